package io.voucherlink;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A voucherlink client: vouchers, gift cards and coupons from e-guma, Treazure, GonnaOrder and
 * Coupontools, for Java tills (Java 8 and later), over JNA.
 *
 * <pre>{@code
 * try (VoucherLinkClient till = new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"...\",\"pos_id\":\"KASSE-1\"}")) {
 *     String voucher = till.balance("{\"code\":\"L4FU-5LQT-KJR3\"}");          // the data object, as JSON
 *     String taken = till.redeem("{\"code\":\"L4FU5LQTKJR3\",\"remaining_to_pay\":\"80.00\"}");
 * } catch (RejectedException refused) {
 *     // show refused.getMessage() to the cashier: the provider's own words
 * } catch (InDoubtException doubt) {
 *     // never repeat it: keep doubt.getJournalId() with the sale; recover("{}") reports the outcome
 * }
 * }</pre>
 *
 * <p>Each method takes the request JSON and returns the result's {@code data} object as JSON
 * (docs/api.md); a failure throws the {@link VoucherLinkException} subclass of its status. A client
 * may be used from several threads at once; {@link #close()} waits for the calls in progress.
 * Every string the library hands out is freed ({@code vl_string_free}).
 */
public final class VoucherLinkClient implements AutoCloseable {
    private static final String DATA = "{\"ok\":true,\"data\":";

    /** The library, loaded once (see {@link #getVersion()}). */
    private static final class Lib {
        static final NativeLibrary NATIVE = NativeLibrary.load();
    }

    /** The log callback the library holds (kept here so that it is not collected). */
    private static volatile com.sun.jna.Callback logCallback;

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private Pointer handle;
    private final String description;

    /** One {@code vl_<operation>} function. */
    private interface Operation {
        int call(NativeLibrary lib, Pointer client, byte[] request, PointerByReference out);
    }

    /**
     * Creates a client from its JSON configuration (docs/api.md §5; several providers: §10).
     *
     * @param configJson the configuration
     * @throws VoucherLinkException {@link ConfigException} for a wrong configuration (the message names
     *     the key), or when the native library cannot be loaded (the message names every place looked)
     */
    public VoucherLinkClient(String configJson) throws VoucherLinkException {
        NativeLibrary lib = library();
        PointerByReference client = new PointerByReference();
        PointerByReference out = new PointerByReference();
        int status = lib.vl_client_new(utf8(configJson), client, out);
        String document = take(lib, out.getValue());
        if (status != 0) {
            throw VoucherLinkException.of(status, document);
        }
        handle = client.getValue();
        description = dataOf(document);
    }

    /**
     * The library's version, {@code vl_version()} ("0.1.0").
     *
     * @return the version
     * @throws VoucherLinkException {@link ConfigException} when the native library cannot be loaded
     */
    public static String getVersion() throws VoucherLinkException {
        return library().vl_version().getString(0, "UTF-8");
    }

    /**
     * The name of a status ({@code vl_status_name}): "ok", "rejected", "in_doubt", ...
     *
     * @param status a status number
     * @return its name ("unknown" for a number that is not a status)
     * @throws VoucherLinkException {@link ConfigException} when the native library cannot be loaded
     */
    public static String statusName(int status) throws VoucherLinkException {
        return library().vl_status_name(status).getString(0, "UTF-8");
    }

    /**
     * Sends the library's log lines at {@code minLevel} and above (0 trace .. 4 error) to {@code sink},
     * process-wide; null turns logging off.
     *
     * @param sink where the lines go, or null
     * @param minLevel the lowest level sent
     * @throws VoucherLinkException {@link InvalidArgumentException} for an unknown level
     */
    public static synchronized void setLogger(LogSink sink, int minLevel) throws VoucherLinkException {
        NativeLibrary lib = library();
        com.sun.jna.Callback callback = null;
        if (sink != null && NativeLibrary.STDCALL) {
            callback = new NativeLibrary.StdCallLogFn() {
                @Override
                public void invoke(int level, Pointer message, Pointer userData) {
                    forward(sink, level, message);
                }
            };
        } else if (sink != null) {
            callback = new NativeLibrary.LogFn() {
                @Override
                public void invoke(int level, Pointer message, Pointer userData) {
                    forward(sink, level, message);
                }
            };
        }
        int status = lib.vl_set_logger(callback, null, minLevel);
        if (status != 0) {
            throw VoucherLinkException.of(status, "{\"ok\":false,\"error\":{\"code\":" + status
                + ",\"status\":\"invalid_argument\",\"message\":\"`min_level` " + minLevel + " is not a log level (0 to 4)\"}}");
        }
        logCallback = callback;
    }

    private static void forward(LogSink sink, int level, Pointer message) {
        try {
            sink.log(level, message == null ? "" : message.getString(0, "UTF-8"));
        } catch (RuntimeException e) {
            // A log sink must never throw into the library.
        }
    }

    /**
     * What {@code vl_client_new} said: the provider(s), the effective settings (no secrets), the
     * operations.
     *
     * @return the data object, as JSON
     */
    public String getDescription() {
        return description;
    }

    /**
     * Opens the way to the provider(s) now (DNS, TCP, TLS, proxy, token), so that the cashier's next
     * call costs one round trip: call it when the voucher payment screen opens. Never moves money.
     *
     * @param requestJson {@code {}} or {@code {"provider":"eguma"}}
     * @return {@code {"providers":[{"provider":..,"ready":true,"ms":..}]}}
     * @throws VoucherLinkException the error of a provider that is not ready
     */
    public String prepare(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_prepare, requestJson);
    }

    /**
     * Which operations this client supports.
     *
     * @param requestJson {@code {}}
     * @return the data object, as JSON
     * @throws VoucherLinkException on failure
     */
    public String capabilities(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_capabilities, requestJson);
    }

    /**
     * Looks a voucher up: its balance, status and check-balance slip.
     *
     * @param requestJson {@code {"code":"L4FU-5LQT-KJR3"}}
     * @return the voucher, as JSON
     * @throws VoucherLinkException on failure ({@link NotFoundException}: no provider knows the code)
     */
    public String balance(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_balance, requestJson);
    }

    /**
     * Takes {@code amount}, or min({@code remaining_to_pay}, balance), from a voucher (Coupontools:
     * validates the coupon). Moves money: journaled, never re-sent.
     *
     * @param requestJson {@code {"code":..,"amount":"20.00"}} or {@code {"code":..,"remaining_to_pay":"80.00"}}
     * @return the redemption, as JSON (keep {@code transaction_id} for a cancel)
     * @throws VoucherLinkException on failure ({@link InDoubtException}: do not repeat it)
     */
    public String redeem(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_redeem, requestJson);
    }

    /**
     * Gives a redemption back. Moves money.
     *
     * @param requestJson {@code {"code":..,"transaction_id":..,"amount":..}}
     * @return the redemption reversed, as JSON
     * @throws VoucherLinkException on failure
     */
    public String cancelRedemption(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_cancel_redemption, requestJson);
    }

    /**
     * Whether a voucher can be sold, and for how much.
     *
     * @param requestJson {@code {"code":..}}
     * @return the status, as JSON
     * @throws VoucherLinkException on failure
     */
    public String activationStatus(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_activation_status, requestJson);
    }

    /**
     * Sells (activates or loads) a voucher. Moves money.
     *
     * @param requestJson {@code {"code":..,"amount":..}}
     * @return the voucher, as JSON
     * @throws VoucherLinkException on failure
     */
    public String activate(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_activate, requestJson);
    }

    /**
     * Undoes a sale right after it. Moves money.
     *
     * @param requestJson {@code {"code":..,"transaction_id":..}}
     * @return the voucher, as JSON
     * @throws VoucherLinkException on failure
     */
    public String cancelActivation(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_cancel_activation, requestJson);
    }

    /**
     * Whether a sold voucher can be taken back.
     *
     * @param requestJson {@code {"code":..}}
     * @return the status, as JSON
     * @throws VoucherLinkException on failure
     */
    public String deactivationStatus(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_deactivation_status, requestJson);
    }

    /**
     * Takes a sold voucher back. Moves money.
     *
     * @param requestJson {@code {"code":..,"reason":..}}
     * @return the voucher, as JSON
     * @throws VoucherLinkException on failure
     */
    public String deactivate(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_deactivate, requestJson);
    }

    /**
     * Issues a new virtual card. Moves money.
     *
     * @param requestJson {@code {"amount":"50.00"}}
     * @return the new card, as JSON
     * @throws VoucherLinkException on failure
     */
    public String issue(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_issue, requestJson);
    }

    /**
     * A card's balance mutations.
     *
     * @param requestJson {@code {"code":..,"condensed":true}}
     * @return the history, as JSON
     * @throws VoucherLinkException on failure
     */
    public String history(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_history, requestJson);
    }

    /**
     * A loyalty member's vouchers.
     *
     * @param requestJson {@code {"member_code":..}}, {@code {"phone_number":..}} or {@code {"search":..}}
     * @return the member and its vouchers, as JSON
     * @throws VoucherLinkException on failure
     */
    public String memberVouchers(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_member_vouchers, requestJson);
    }

    /**
     * What a voucher does to an order.
     *
     * @param requestJson {@code {"code":..,"order_total":"20.00"}}
     * @return the validation, as JSON
     * @throws VoucherLinkException on failure
     */
    public String validate(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_validate, requestJson);
    }

    /**
     * Reports the finished order, which consumes the voucher. Moves money.
     *
     * @param requestJson {@code {"order_id":..,"order_total":..,"discount":..,"code":..}}
     * @return {@code {"accepted":true,...}}
     * @throws VoucherLinkException on failure
     */
    public String submitOrder(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_submit_order, requestJson);
    }

    /**
     * Reserves a coupon during checkout.
     *
     * @param requestJson {@code {"code":..}}
     * @return the coupon, as JSON
     * @throws VoucherLinkException on failure
     */
    public String lock(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_lock, requestJson);
    }

    /**
     * Releases a reserved coupon.
     *
     * @param requestJson {@code {"code":..}}
     * @return the coupon, as JSON
     * @throws VoucherLinkException on failure
     */
    public String unlock(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_unlock, requestJson);
    }

    /**
     * The journal entries not settled yet.
     *
     * @param requestJson {@code {}}
     * @return {@code {"entries":[...]}}
     * @throws VoucherLinkException on failure
     */
    public String pending(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_pending, requestJson);
    }

    /**
     * Settles open journal entries and reports what was settled.
     *
     * @param requestJson {@code {}}, {@code {"journal_id":..}}, or with {@code "outcome"} by hand
     * @return {@code {"resolved":[...],"still_pending":[...]}}
     * @throws VoucherLinkException on failure
     */
    public String recover(String requestJson) throws VoucherLinkException {
        return call(NativeLibrary::vl_recover, requestJson);
    }

    /** Frees the client, once the calls in progress are done. Further calls throw IllegalStateException. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle != null) {
                Lib.NATIVE.vl_client_free(handle);
                handle = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private String call(Operation operation, String requestJson) throws VoucherLinkException {
        NativeLibrary lib = Lib.NATIVE;
        PointerByReference out = new PointerByReference();
        int status;
        lock.readLock().lock();
        try {
            if (handle == null) {
                throw new IllegalStateException("the voucherlink client is closed");
            }
            status = operation.call(lib, handle, utf8(requestJson == null ? "{}" : requestJson), out);
        } finally {
            lock.readLock().unlock();
        }
        String document = take(lib, out.getValue());
        if (status != 0) {
            throw VoucherLinkException.of(status, document);
        }
        return dataOf(document);
    }

    private static NativeLibrary library() throws VoucherLinkException {
        try {
            NativeLibrary lib = Lib.NATIVE;
            int abi = lib.vl_abi_version();
            if (abi != NativeLibrary.ABI_VERSION) {
                throw failure(2, "config", "the library's ABI version " + abi + " does not match this binding's "
                    + NativeLibrary.ABI_VERSION + ": use the voucherlink.jar shipped with the library");
            }
            return lib;
        } catch (ExceptionInInitializerError | NoClassDefFoundError | UnsatisfiedLinkError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw failure(2, "config", cause.getMessage() != null ? cause.getMessage() : String.valueOf(cause));
        }
    }

    private static VoucherLinkException failure(int status, String name, String message) {
        String quoted = message.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return VoucherLinkException.of(status, "{\"ok\":false,\"error\":{\"code\":" + status + ",\"status\":\"" + name
            + "\",\"message\":\"" + quoted + "\"}}");
    }

    private static byte[] utf8(String text) {
        return (text + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /** Copies a document the library handed out, then frees it (always). */
    private static String take(NativeLibrary lib, Pointer json) {
        if (json == null) {
            return "{\"ok\":false,\"error\":{\"code\":10,\"status\":\"internal\",\"message\":\"the library returned no document\"}}";
        }
        try {
            return json.getString(0, "UTF-8");
        } finally {
            lib.vl_string_free(json);
        }
    }

    /** The data member of a success document, as JSON text. */
    private static String dataOf(String document) {
        if (document.startsWith(DATA) && document.endsWith("}")) {
            return document.substring(DATA.length(), document.length() - 1);
        }
        throw new IllegalStateException("not a success document: " + document);
    }
}
