package io.voucherlink;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import com.sun.jna.win32.StdCallLibrary;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The C functions of libvoucherlink (voucherlink.h), through JNA, with the library's calling
 * convention: stdcall on 32-bit Windows (VL_CALL), C elsewhere.
 */
interface NativeLibrary extends Library {
    /** The C ABI this binding was written for (VL_ABI_VERSION). */
    int ABI_VERSION = 1;

    Pointer vl_version();
    int vl_abi_version();
    Pointer vl_status_name(int status);
    int vl_client_new(byte[] configJson, PointerByReference outClient, PointerByReference outJson);
    void vl_client_free(Pointer client);
    void vl_string_free(Pointer s);
    /** The callback is a {@link LogFn} or, on 32-bit Windows, a {@link StdCallLogFn}. */
    int vl_set_logger(Callback callback, Pointer userData, int minLevel);
    int vl_prepare(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_capabilities(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_balance(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_redeem(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_cancel_redemption(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_activation_status(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_activate(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_cancel_activation(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_deactivation_status(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_deactivate(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_issue(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_history(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_member_vouchers(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_validate(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_submit_order(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_lock(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_unlock(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_pending(Pointer client, byte[] requestJson, PointerByReference outJson);
    int vl_recover(Pointer client, byte[] requestJson, PointerByReference outJson);

    /** {@code typedef void (VL_CALL *VlLogFn)(VlLogLevel, const char *, void *)}. */
    interface LogFn extends Callback {
        void invoke(int level, Pointer message, Pointer userData);
    }

    /** {@link LogFn} as a stdcall function, for 32-bit Windows. */
    interface StdCallLogFn extends StdCallLibrary.StdCallCallback {
        void invoke(int level, Pointer message, Pointer userData);
    }

    /** Whether the library's functions are stdcall here (32-bit Windows). */
    boolean STDCALL = Platform.isWindows() && !Platform.is64Bit();

    /**
     * Loads the library: the file named by the system property {@code voucherlink.library} or the
     * environment variable {@code VOUCHERLINK_LIB} (a file or its folder); else JNA's search:
     * {@code jna.library.path}, the system's, then this jar's natives ({@code linux-x86-64/},
     * {@code win32-x86/}, {@code win32-x86-64/}). The error names every place looked at.
     */
    static NativeLibrary load() {
        Map<String, Object> options = STDCALL
            ? Collections.singletonMap(Library.OPTION_CALLING_CONVENTION, StdCallLibrary.STDCALL_CONVENTION)
            : Collections.<String, Object>emptyMap();
        String fileName = Platform.isWindows() ? "voucherlink.dll" : Platform.isMac() ? "libvoucherlink.dylib" : "libvoucherlink.so";
        List<String> looked = new ArrayList<>();
        for (String configured : new String[] {System.getProperty("voucherlink.library"), System.getenv("VOUCHERLINK_LIB")}) {
            if (configured == null || configured.isEmpty()) {
                continue;
            }
            File file = new File(configured);
            if (file.isDirectory()) {
                file = new File(file, fileName);
            }
            if (!file.isFile()) {
                looked.add(file + " (no such file)");
                continue;
            }
            try {
                return Native.load(file.getAbsolutePath(), NativeLibrary.class, options);
            } catch (UnsatisfiedLinkError e) {
                looked.add(file + " (" + e.getMessage() + ")");
            }
        }
        try {
            return Native.load("voucherlink", NativeLibrary.class, options);
        } catch (UnsatisfiedLinkError e) {
            looked.add("JNA's search for \"voucherlink\" (jna.library.path, the system's, this jar's " + Platform.RESOURCE_PREFIX
                + "/" + fileName + "): " + e.getMessage());
        }
        throw new UnsatisfiedLinkError("the voucherlink native library (" + fileName + ", " + Platform.RESOURCE_PREFIX
            + ") could not be loaded. Put it on jna.library.path, or set the system property voucherlink.library (or"
            + " VOUCHERLINK_LIB) to its file. Looked at:\n  " + String.join("\n  ", looked));
    }
}
