// voucherlink for C#: vouchers, gift cards and coupons (e-guma, Treazure, GonnaOrder, Coupontools)
// for point-of-sale systems. One file to drop into a POS project (or the VoucherLink NuGet package).
//
// Works on .NET Framework 4.5+ / Mono and on .NET 6+: delegates with CallingConvention.Winapi (the
// library's VL_CALL: __stdcall on 32-bit Windows, the platform's C convention elsewhere), UTF-8 marshalled by hand (no LPUTF8Str, which
// .NET Framework lacks), no bool across the ABI, C# 6 syntax. Put voucherlink.dll (x86 or x64, as
// your process) beside the executable; on Linux/Mono libvoucherlink.so on the library path.
//
//   using (var till = new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"...\"}"))
//   {
//       VoucherInfo voucher = till.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
//       RedemptionInfo taken = till.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = 80.00m });
//   }
//
// Every operation exists three ways: Balance(string json) -> string json (docs/api.md §8), Balance(BalanceRequest)
// -> VoucherInfo, and BalanceAsync(BalanceRequest, CancellationToken) -> Task<VoucherInfo>. Failures throw
// a subclass of VoucherLinkException per status (RejectedException, InDoubtException, ...).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace VoucherLink
{
    /// <summary>The C functions of libvoucherlink (voucherlink.h), bound at run time to the library
    /// file this binding chooses (the right one for the process's platform and bitness), as
    /// SQLitePCLRaw and LibGit2Sharp do: DllImport alone cannot be told where a NuGet package put it.</summary>
    internal static class NativeMethods
    {
        // Every delegate is CallingConvention.Winapi: the platform's default, which is what the library
        // exports (VL_CALL): __stdcall on 32-bit Windows, cdecl elsewhere (x64 has only one convention).
        /// <summary>The C ABI this file was written for (VL_ABI_VERSION).</summary>
        internal const uint AbiVersion = 1;

        [UnmanagedFunctionPointer(CallingConvention.Winapi)]
        internal delegate void LogFn(uint level, IntPtr messageUtf8, IntPtr userData);
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate IntPtr TextFn();
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate uint NumberFn();
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate IntPtr StatusNameFn(uint status);
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate uint ClientNewFn(byte[] configJson, out VlClientHandle client, out IntPtr json);
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate void FreeFn(IntPtr pointer);
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate uint SetLoggerFn(LogFn callback, IntPtr userData, uint minLevel);
        [UnmanagedFunctionPointer(CallingConvention.Winapi)] internal delegate uint Operation(VlClientHandle client, byte[] request, out IntPtr json);

        internal static TextFn vl_version;
        internal static NumberFn vl_abi_version;
        internal static StatusNameFn vl_status_name;
        internal static ClientNewFn vl_client_new;
        internal static FreeFn vl_client_free;
        internal static FreeFn vl_string_free;
        internal static SetLoggerFn vl_set_logger;
        internal static Operation vl_capabilities, vl_balance, vl_redeem, vl_cancel_redemption, vl_activation_status, vl_activate,
            vl_cancel_activation, vl_deactivation_status, vl_deactivate, vl_issue, vl_history, vl_member_vouchers, vl_validate,
            vl_submit_order, vl_lock, vl_unlock, vl_pending, vl_recover, vl_prepare;

        private static bool IsWindows { get { return Environment.OSVersion.Platform == PlatformID.Win32NT; } }
        private static bool IsMac { get { return !IsWindows && Directory.Exists("/System/Library/Frameworks"); } }

        /// <summary>The library's file name on this platform.</summary>
        internal static string FileName { get { return IsWindows ? "voucherlink.dll" : IsMac ? "libvoucherlink.dylib" : "libvoucherlink.so"; } }

        /// <summary>NuGet's runtime identifier of this process (win-x64, linux-x64, ...).</summary>
        internal static string RuntimeId
        {
            get { return (IsWindows ? "win-" : IsMac ? "osx-" : "linux-") + (IntPtr.Size == 8 ? "x64" : "x86"); }
        }

        /// <summary>Where the library is looked for, in order: VOUCHERLINK_LIB (the file or its folder);
        /// beside the application, in its runtimes/&lt;rid&gt;/native (where the package's .targets and .NET
        /// put it) or its x86 / x64 folder; beside this assembly and in the NuGet package it came from;
        /// last, by name, the system's search (PATH, LD_LIBRARY_PATH).</summary>
        internal static List<string> Candidates()
        {
            var paths = new List<string>();
            string configured = Environment.GetEnvironmentVariable("VOUCHERLINK_LIB");
            if (!string.IsNullOrEmpty(configured))
                paths.Add(Directory.Exists(configured) ? Path.Combine(configured, FileName) : configured);
            string arch = IntPtr.Size == 8 ? "x64" : "x86";
            var folders = new List<string> { AppDomain.CurrentDomain.BaseDirectory };
            string assembly = typeof(NativeMethods).Assembly.Location;
            if (!string.IsNullOrEmpty(assembly))
            {
                string dir = Path.GetDirectoryName(assembly);
                folders.Add(dir);
                folders.Add(Path.Combine(Path.Combine(dir, ".."), "..")); // lib/net462 in a NuGet package
            }
            foreach (string folder in folders)
            {
                if (string.IsNullOrEmpty(folder)) continue;
                paths.Add(Path.Combine(folder, FileName));
                paths.Add(Path.Combine(Path.Combine(Path.Combine(Path.Combine(folder, "runtimes"), RuntimeId), "native"), FileName));
                paths.Add(Path.Combine(Path.Combine(folder, arch), FileName));
            }
            paths.Add(FileName);
            return paths;
        }

        /// <summary>Loads the library and binds every function; on failure the message lists every
        /// path tried and why it did not load.</summary>
        internal static string Load()
        {
            var tried = new List<string>();
            foreach (string candidate in Candidates())
            {
                bool isPath = candidate.IndexOf(Path.DirectorySeparatorChar) >= 0 || candidate.IndexOf('/') >= 0;
                string full = isPath ? Path.GetFullPath(candidate) : candidate;
                if (isPath && !File.Exists(full))
                {
                    tried.Add(full + " (no such file)");
                    continue;
                }
                string error;
                IntPtr library = Native.Open(full, out error);
                if (library == IntPtr.Zero)
                {
                    tried.Add(full + " (" + error + ")");
                    continue;
                }
                Bind(library);
                return null;
            }
            return "the voucherlink library (" + FileName + ", " + RuntimeId + ") could not be loaded. Tried:\n  " + string.Join("\n  ", tried.ToArray());
        }

        private static void Bind(IntPtr library)
        {
            vl_version = Function<TextFn>(library, "vl_version");
            vl_abi_version = Function<NumberFn>(library, "vl_abi_version");
            vl_status_name = Function<StatusNameFn>(library, "vl_status_name");
            vl_client_new = Function<ClientNewFn>(library, "vl_client_new");
            vl_client_free = Function<FreeFn>(library, "vl_client_free");
            vl_string_free = Function<FreeFn>(library, "vl_string_free");
            vl_set_logger = Function<SetLoggerFn>(library, "vl_set_logger");
            vl_capabilities = Function<Operation>(library, "vl_capabilities");
            vl_balance = Function<Operation>(library, "vl_balance");
            vl_redeem = Function<Operation>(library, "vl_redeem");
            vl_cancel_redemption = Function<Operation>(library, "vl_cancel_redemption");
            vl_activation_status = Function<Operation>(library, "vl_activation_status");
            vl_activate = Function<Operation>(library, "vl_activate");
            vl_cancel_activation = Function<Operation>(library, "vl_cancel_activation");
            vl_deactivation_status = Function<Operation>(library, "vl_deactivation_status");
            vl_deactivate = Function<Operation>(library, "vl_deactivate");
            vl_issue = Function<Operation>(library, "vl_issue");
            vl_history = Function<Operation>(library, "vl_history");
            vl_member_vouchers = Function<Operation>(library, "vl_member_vouchers");
            vl_validate = Function<Operation>(library, "vl_validate");
            vl_submit_order = Function<Operation>(library, "vl_submit_order");
            vl_lock = Function<Operation>(library, "vl_lock");
            vl_unlock = Function<Operation>(library, "vl_unlock");
            vl_pending = Function<Operation>(library, "vl_pending");
            vl_recover = Function<Operation>(library, "vl_recover");
            vl_prepare = Function<Operation>(library, "vl_prepare");
        }

        private static T Function<T>(IntPtr library, string name) where T : class
        {
            IntPtr address = Native.Symbol(library, name);
            if (address == IntPtr.Zero)
                throw new EntryPointNotFoundException("the voucherlink library has no function " + name + ": it is older than this VoucherLink.cs");
            return (T)(object)Marshal.GetDelegateForFunctionPointer(address, typeof(T));
        }

        /// <summary>The operating system's loader: LoadLibrary on Windows, dlopen elsewhere.</summary>
        private static class Native
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            private static extern IntPtr LoadLibraryW(string path);
            [DllImport("kernel32", CharSet = CharSet.Ansi, ExactSpelling = true)]
            private static extern IntPtr GetProcAddress(IntPtr module, string name);
            [DllImport("libdl.so.2", EntryPoint = "dlopen")] private static extern IntPtr DlOpenLinux(string path, int flags);
            [DllImport("libdl.so.2", EntryPoint = "dlsym")] private static extern IntPtr DlSymLinux(IntPtr handle, string name);
            [DllImport("libdl.so.2", EntryPoint = "dlerror")] private static extern IntPtr DlErrorLinux();
            [DllImport("libSystem.dylib", EntryPoint = "dlopen")] private static extern IntPtr DlOpenMac(string path, int flags);
            [DllImport("libSystem.dylib", EntryPoint = "dlsym")] private static extern IntPtr DlSymMac(IntPtr handle, string name);
            [DllImport("libSystem.dylib", EntryPoint = "dlerror")] private static extern IntPtr DlErrorMac();
            private const int RtldNow = 2;

            internal static IntPtr Open(string path, out string error)
            {
                error = null;
                if (IsWindows)
                {
                    IntPtr module = LoadLibraryW(path);
                    if (module == IntPtr.Zero) error = new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error()).Message;
                    return module;
                }
                IntPtr handle = IsMac ? DlOpenMac(path, RtldNow) : DlOpenLinux(path, RtldNow);
                if (handle == IntPtr.Zero) error = FromUtf8(IsMac ? DlErrorMac() : DlErrorLinux()) ?? "dlopen failed";
                return handle;
            }

            internal static IntPtr Symbol(IntPtr library, string name)
            {
                if (IsWindows) return GetProcAddress(library, name);
                return IsMac ? DlSymMac(library, name) : DlSymLinux(library, name);
            }
        }


        /// <summary>A string for the library: UTF-8, NUL-terminated.</summary>
        internal static byte[] Utf8(string text)
        {
            return Encoding.UTF8.GetBytes((text ?? "") + "\0");
        }

        /// <summary>Copies a NUL-terminated UTF-8 string the library owns.</summary>
        internal static string FromUtf8(IntPtr text)
        {
            if (text == IntPtr.Zero) return null;
            int length = 0;
            while (Marshal.ReadByte(text, length) != 0) length++;
            var bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Copies a document the library handed out, then frees it (always).</summary>
        internal static string TakeDocument(IntPtr json)
        {
            try { return FromUtf8(json); }
            finally { if (json != IntPtr.Zero) vl_string_free(json); }
        }
    }

    /// <summary>The native client; freed with vl_client_free when released. Its reference count
    /// keeps a Dispose on one thread from freeing the client while another thread is in a call.</summary>
    internal sealed class VlClientHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        private VlClientHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.vl_client_free(handle);
            return true;
        }
    }

    /// <summary>Status codes as numbers (VlStatus), for code written against the first release; see
    /// <see cref="VoucherLinkStatus"/> for the enum.</summary>
    public static class VlStatus
    {
        /// <summary>VL_OK: done.</summary>
        public const uint Ok = 0;
        /// <summary>VL_INVALID_ARGUMENT: the input is wrong; nothing was sent.</summary>
        public const uint InvalidArgument = 1;
        /// <summary>VL_CONFIG: the client configuration is wrong.</summary>
        public const uint Config = 2;
        /// <summary>VL_UNSUPPORTED: this provider has no such operation; nothing was sent.</summary>
        public const uint Unsupported = 3;
        /// <summary>VL_NOT_FOUND: the provider does not know this voucher, member or session.</summary>
        public const uint NotFound = 4;
        /// <summary>VL_REJECTED: the provider (or the library for it) refused.</summary>
        public const uint Rejected = 5;
        /// <summary>VL_AUTH: credentials refused.</summary>
        public const uint Auth = 6;
        /// <summary>VL_NETWORK: the request did not reach the provider, or a read failed: nothing changed.</summary>
        public const uint Network = 7;
        /// <summary>VL_IN_DOUBT: a money-moving request may have gone through; it is in the journal.</summary>
        public const uint InDoubt = 8;
        /// <summary>VL_PROVIDER: the provider failed or answered something unusable.</summary>
        public const uint Provider = 9;
        /// <summary>VL_INTERNAL: a bug in the library.</summary>
        public const uint Internal = 10;
    }

    /// <summary>What a call came to (VlStatus).</summary>
    public enum VoucherLinkStatus : uint
    {
        /// <summary>Done.</summary>
        Ok = 0,
        /// <summary>The input is wrong; nothing was sent.</summary>
        InvalidArgument = 1,
        /// <summary>The client configuration is wrong.</summary>
        Config = 2,
        /// <summary>This provider has no such operation; nothing was sent.</summary>
        Unsupported = 3,
        /// <summary>The provider does not know this voucher, member or session.</summary>
        NotFound = 4,
        /// <summary>The provider (or the library for it) refused.</summary>
        Rejected = 5,
        /// <summary>Credentials refused.</summary>
        Auth = 6,
        /// <summary>The request did not reach the provider, or a read failed: nothing changed.</summary>
        Network = 7,
        /// <summary>A money-moving request may have gone through; it is in the journal.</summary>
        InDoubt = 8,
        /// <summary>The provider failed or answered something unusable.</summary>
        Provider = 9,
        /// <summary>A bug in the library.</summary>
        Internal = 10,
    }

    /// <summary>Where a voucher stands, the same words for every provider.</summary>
    public enum VoucherStatus
    {
        /// <summary>The provider does not say (or said something new).</summary>
        Unknown,
        /// <summary>Not sold (activated) yet.</summary>
        Created,
        /// <summary>Can be used.</summary>
        Active,
        /// <summary>Used up.</summary>
        Redeemed,
        /// <summary>Past its date.</summary>
        Expired,
        /// <summary>Cancelled by the issuer.</summary>
        Void,
        /// <summary>Paid back to the customer.</summary>
        Refunded,
        /// <summary>Reserved by a checkout in progress.</summary>
        Locked,
    }

    /// <summary>What a GonnaOrder voucher takes off an order.</summary>
    public enum DiscountType
    {
        /// <summary>Not known to this binding.</summary>
        Unknown,
        /// <summary>An amount off.</summary>
        Monetary,
        /// <summary>A percentage off.</summary>
        Percentage,
    }

    /// <summary>Where a journal entry stands.</summary>
    public enum JournalState
    {
        /// <summary>Not known to this binding.</summary>
        Unknown,
        /// <summary>Being sent (found after a crash: in doubt).</summary>
        Sending,
        /// <summary>Sent; its outcome is not known yet.</summary>
        InDoubt,
        /// <summary>An undo waiting to be sent again.</summary>
        Queued,
        /// <summary>It went through.</summary>
        Done,
        /// <summary>It did not go through; nothing changed.</summary>
        Failed,
        /// <summary>It went through and was reversed.</summary>
        Reversed,
    }

    /// <summary>How settled an entry is, when settling it by hand (<see cref="RecoverRequest.Outcome"/>).</summary>
    public enum RecoverOutcome
    {
        /// <summary>It went through (checked in the provider's back office).</summary>
        Done,
        /// <summary>It did not go through.</summary>
        Failed,
    }

    /// <summary>Log levels of <see cref="VoucherLinkClient.SetLogger(Action{LogLevel, string}, LogLevel)"/>.</summary>
    public enum LogLevel
    {
        /// <summary>Every HTTP exchange, in detail.</summary>
        Trace = 0,
        /// <summary>One line per HTTP exchange.</summary>
        Debug = 1,
        /// <summary>One line per operation outcome.</summary>
        Info = 2,
        /// <summary>Refusals and retries.</summary>
        Warn = 3,
        /// <summary>In-doubt operations and failures.</summary>
        Error = 4,
    }

    /// <summary>A failed call: <see cref="Status"/> is the VlStatus number, <see cref="Document"/> the whole
    /// result JSON. Thrown as the subclass of its status (<see cref="RejectedException"/>, ...).</summary>
    public class VoucherLinkException : Exception
    {
        /// <summary>The status number (VlStatus).</summary>
        public uint Status { get; private set; }
        /// <summary>The status as an enum.</summary>
        public VoucherLinkStatus Kind { get { return (VoucherLinkStatus)Status; } }
        /// <summary>The whole result document (JSON).</summary>
        public string Document { get; private set; }
        /// <summary>The journal entry of an in-doubt or pending operation (keep it with the sale).</summary>
        public string JournalId { get; private set; }
        /// <summary>The provider's own text, verbatim.</summary>
        public string ProviderMessage { get; private set; }
        /// <summary>The provider's own error code.</summary>
        public string ProviderCode { get; private set; }
        /// <summary>The provider id, when a provider was involved.</summary>
        public string Provider { get; private set; }
        /// <summary>With several providers configured, when the answer concerns more than one: the candidates
        /// of a code the library will not guess for, or every provider asked for a code none knows. Empty
        /// otherwise.</summary>
        public string[] Providers { get; private set; }
        /// <summary>The HTTP status of the provider's answer, when there was one.</summary>
        public int? HttpStatus { get; private set; }

        /// <summary>An exception for a result document.</summary>
        public VoucherLinkException(uint status, string document)
            : base(MessageOf(status, document))
        {
            Status = status;
            Document = document;
            var error = ErrorOf(document);
            JournalId = Json.Str(error, "journal_id");
            ProviderMessage = Json.Str(error, "provider_message");
            ProviderCode = Json.Str(error, "provider_code") ?? Json.Number(error, "provider_code");
            Provider = Json.Str(error, "provider");
            Providers = Json.Lines(error, "providers");
            var http = Json.Number(error, "http_status");
            HttpStatus = http == null ? (int?)null : int.Parse(http, CultureInfo.InvariantCulture);
        }

        /// <summary>The exception of a failed call's document: the subclass of its status.</summary>
        public static VoucherLinkException For(uint status, string document)
        {
            switch ((VoucherLinkStatus)status)
            {
                case VoucherLinkStatus.InvalidArgument: return new InvalidArgumentException(document);
                case VoucherLinkStatus.Config: return new ConfigException(document);
                case VoucherLinkStatus.Unsupported: return new UnsupportedException(document);
                case VoucherLinkStatus.NotFound: return new NotFoundException(document);
                case VoucherLinkStatus.Rejected: return new RejectedException(document);
                case VoucherLinkStatus.Auth: return new AuthException(document);
                case VoucherLinkStatus.Network: return new NetworkException(document);
                case VoucherLinkStatus.InDoubt: return new InDoubtException(document);
                case VoucherLinkStatus.Provider: return new ProviderException(document);
                case VoucherLinkStatus.Internal: return new InternalException(document);
                default: return new VoucherLinkException(status, document);
            }
        }

        private static Dictionary<string, object> ErrorOf(string document)
        {
            try { return Json.Obj(Json.Parse(document), "error"); }
            catch (FormatException) { return null; }
        }

        private static string MessageOf(uint status, string document)
        {
            return Json.Str(ErrorOf(document), "message") ?? ("voucherlink error " + status);
        }
    }

    /// <summary>VL_INVALID_ARGUMENT: the input is wrong (the message names the field); nothing was sent.</summary>
    public class InvalidArgumentException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public InvalidArgumentException(string document) : base(VlStatus.InvalidArgument, document) { }
    }

    /// <summary>VL_CONFIG: the configuration is wrong (the message names the key), or the library is missing.</summary>
    public class ConfigException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public ConfigException(string document) : base(VlStatus.Config, document) { }
    }

    /// <summary>VL_UNSUPPORTED: this provider has no such operation; nothing was sent.</summary>
    public class UnsupportedException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public UnsupportedException(string document) : base(VlStatus.Unsupported, document) { }
    }

    /// <summary>VL_NOT_FOUND: the provider does not know this voucher, member or session.</summary>
    public class NotFoundException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public NotFoundException(string document) : base(VlStatus.NotFound, document) { }
    }

    /// <summary>VL_REJECTED: refused (used, expired, insufficient balance, ...). Show the message to the cashier.</summary>
    public class RejectedException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public RejectedException(string document) : base(VlStatus.Rejected, document) { }
    }

    /// <summary>VL_AUTH: the provider refused the credentials.</summary>
    public class AuthException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public AuthException(string document) : base(VlStatus.Auth, document) { }
    }

    /// <summary>VL_NETWORK: the provider could not be reached, or a read failed: nothing changed.</summary>
    public class NetworkException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public NetworkException(string document) : base(VlStatus.Network, document) { }
    }

    /// <summary>VL_IN_DOUBT: a money-moving request may have gone through. Do not repeat it: keep
    /// <see cref="VoucherLinkException.JournalId"/> with the sale; <see cref="VoucherLinkClient.Recover()"/>
    /// reports its outcome.</summary>
    public class InDoubtException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public InDoubtException(string document) : base(VlStatus.InDoubt, document) { }
    }

    /// <summary>VL_PROVIDER: the provider failed (5xx, an unusable answer).</summary>
    public class ProviderException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public ProviderException(string document) : base(VlStatus.Provider, document) { }
    }

    /// <summary>VL_INTERNAL: a bug in the library (please report it with the document).</summary>
    public class InternalException : VoucherLinkException
    {
        /// <summary>For a result document.</summary>
        public InternalException(string document) : base(VlStatus.Internal, document) { }
    }

    /// <summary>A client of one provider account. Share it between threads; Dispose it at the end.</summary>
    public sealed class VoucherLinkClient : IDisposable
    {
        private readonly VlClientHandle _handle;
#pragma warning disable 0414 // assigned only: it keeps the delegate alive while the library holds it
        private static NativeMethods.LogFn _logCallback;
#pragma warning restore 0414
        private static Action<LogLevel, string> _logSink;
        private static readonly object Loaded = new object();
        private static bool _checked;

        /// <summary>Loads the library once and checks its ABI. A missing library is a ConfigException
        /// that says where it was looked for.</summary>
        private static void EnsureLoaded()
        {
            lock (Loaded)
            {
                if (_checked) return;
                string missing;
                try { missing = NativeMethods.Load(); }
                catch (EntryPointNotFoundException e) { missing = e.Message; }
                if (missing != null) throw new ConfigException(Document(VoucherLinkStatus.Config, "config", missing));
                uint abi = NativeMethods.vl_abi_version();
                if (abi != NativeMethods.AbiVersion)
                    throw new ConfigException(Document(VoucherLinkStatus.Config, "config", "the voucherlink library has ABI " + abi +
                        ", this VoucherLink.cs was written for ABI " + NativeMethods.AbiVersion + ": use the library and VoucherLink.cs of one release"));
                _checked = true;
            }
        }

        private static string Document(VoucherLinkStatus status, string name, string message)
        {
            return "{\"ok\":false,\"error\":{\"code\":" + (uint)status + ",\"status\":\"" + name + "\",\"message\":" + Json.Quote(message) +
                ",\"provider\":null,\"http_status\":null,\"provider_code\":null,\"provider_message\":null,\"journal_id\":null}}";
        }

        /// <summary>The library version, vl_version().</summary>
        public static string Version { get { EnsureLoaded(); return NativeMethods.FromUtf8(NativeMethods.vl_version()); } }

        /// <summary>The name of a status code, vl_status_name(): "ok", "rejected", ...; "unknown".</summary>
        public static string StatusName(uint status) { EnsureLoaded(); return NativeMethods.FromUtf8(NativeMethods.vl_status_name(status)); }

        /// <summary>What vl_client_new said: provider, settings (no secrets), operations (JSON).</summary>
        public string Description { get; private set; }

        /// <summary>Creates a client from its JSON configuration; throws ConfigException (VL_CONFIG).</summary>
        public VoucherLinkClient(string configJson)
        {
            EnsureLoaded();
            IntPtr json;
            VlClientHandle handle;
            uint status = NativeMethods.vl_client_new(NativeMethods.Utf8(configJson), out handle, out json);
            string document = NativeMethods.TakeDocument(json);
            if (status != VlStatus.Ok)
            {
                handle.Dispose();
                throw VoucherLinkException.For(status, document);
            }
            _handle = handle;
            Description = DataOf(document);
        }

        /// <summary>Frees the native client (after calls in progress on other threads have returned).</summary>
        public void Dispose()
        {
            if (_handle != null) _handle.Dispose();
        }

        /// <summary>Sends log lines at minLevel and above to sink, process-wide; null turns logging off.
        /// Lines never contain secrets; voucher codes are masked. Called on the thread of the call.</summary>
        public static void SetLogger(Action<LogLevel, string> sink, LogLevel minLevel)
        {
            EnsureLoaded();
            if (sink == null)
            {
                NativeMethods.vl_set_logger(null, IntPtr.Zero, 0);
                _logCallback = null;
                _logSink = null;
                return;
            }
            _logSink = sink;
            NativeMethods.LogFn callback = (level, message, userData) =>
            {
                try { var s = _logSink; if (s != null) s((LogLevel)level, NativeMethods.FromUtf8(message)); }
                catch (Exception) { /* never throw into native code */ }
            };
            if (NativeMethods.vl_set_logger(callback, IntPtr.Zero, (uint)minLevel) != VlStatus.Ok)
                throw new ArgumentOutOfRangeException("minLevel");
            _logCallback = callback;
        }

        /// <summary>As <see cref="SetLogger(Action{LogLevel, string}, LogLevel)"/>, with levels as numbers
        /// (0 trace .. 4 error), as the first release had it.</summary>
        public static void SetLogger(Action<int, string> sink, int minLevel)
        {
            if (sink == null) SetLogger((Action<LogLevel, string>)null, LogLevel.Trace);
            else SetLogger((level, line) => sink((int)level, line), (LogLevel)minLevel);
        }

        private string Call(NativeMethods.Operation operation, string requestJson)
        {
            IntPtr json;
            uint status = operation(_handle, NativeMethods.Utf8(requestJson ?? "{}"), out json);
            string document = NativeMethods.TakeDocument(json);
            if (status != VlStatus.Ok) throw VoucherLinkException.For(status, document);
            return DataOf(document);
        }

        /// <summary>The data member of a success document, as JSON text.</summary>
        private static string DataOf(string document)
        {
            const string prefix = "{\"ok\":true,\"data\":";
            if (document.StartsWith(prefix, StringComparison.Ordinal) && document.EndsWith("}", StringComparison.Ordinal))
                return document.Substring(prefix.Length, document.Length - prefix.Length - 1);
            return Json.Write(Json.Obj(Json.Parse(document), "data"));
        }

        /// <summary>Runs a call on the thread pool; the token stops the waiting only.</summary>
        private static Task<T> Run<T>(Func<T> call, CancellationToken cancel)
        {
            var work = Task.Run(call);
            if (!cancel.CanBeCanceled) return work;
            var done = new TaskCompletionSource<T>();
            var registration = cancel.Register(() => done.TrySetException(new OperationCanceledException(
                "stopped waiting; the call itself runs to its deadline: a money-moving call is settled by the library and " +
                "its outcome is in the journal (Pending, Recover)", cancel)));
            work.ContinueWith(t =>
            {
                registration.Dispose();
                if (t.IsFaulted) done.TrySetException(t.Exception.InnerExceptions);
                else if (t.IsCanceled) done.TrySetCanceled();
                else done.TrySetResult(t.Result);
            }, TaskContinuationOptions.ExecuteSynchronously);
            return done.Task;
        }

        // ---- One method per operation: the request JSON in, the data object as JSON out (docs/api.md §8) ----
        /// <summary>Which operations this client's provider supports. Request and result as JSON (the data object).</summary>
        public string Capabilities(string requestJson) { return Call(NativeMethods.vl_capabilities, requestJson); }
        /// <summary>Looks a voucher up: its balance, status and check-balance slip. Request and result as JSON (the data object).</summary>
        public string Balance(string requestJson) { return Call(NativeMethods.vl_balance, requestJson); }
        /// <summary>Takes Amount, or min(RemainingToPay, balance), from a voucher (Coupontools: validates the coupon). Request and result as JSON (the data object).</summary>
        public string Redeem(string requestJson) { return Call(NativeMethods.vl_redeem, requestJson); }
        /// <summary>Gives a redemption back. Request and result as JSON (the data object).</summary>
        public string CancelRedemption(string requestJson) { return Call(NativeMethods.vl_cancel_redemption, requestJson); }
        /// <summary>Whether a voucher or card can be sold, and for how much. Request and result as JSON (the data object).</summary>
        public string ActivationStatus(string requestJson) { return Call(NativeMethods.vl_activation_status, requestJson); }
        /// <summary>Sells (activates or loads) a voucher or card. Request and result as JSON (the data object).</summary>
        public string Activate(string requestJson) { return Call(NativeMethods.vl_activate, requestJson); }
        /// <summary>Undoes a sale right after it. Request and result as JSON (the data object).</summary>
        public string CancelActivation(string requestJson) { return Call(NativeMethods.vl_cancel_activation, requestJson); }
        /// <summary>Whether a sold voucher can be taken back. Request and result as JSON (the data object).</summary>
        public string DeactivationStatus(string requestJson) { return Call(NativeMethods.vl_deactivation_status, requestJson); }
        /// <summary>Takes a sold voucher back. Request and result as JSON (the data object).</summary>
        public string Deactivate(string requestJson) { return Call(NativeMethods.vl_deactivate, requestJson); }
        /// <summary>Issues a new virtual card. Request and result as JSON (the data object).</summary>
        public string Issue(string requestJson) { return Call(NativeMethods.vl_issue, requestJson); }
        /// <summary>A card's balance mutations. Request and result as JSON (the data object).</summary>
        public string History(string requestJson) { return Call(NativeMethods.vl_history, requestJson); }
        /// <summary>A loyalty member's vouchers. Request and result as JSON (the data object).</summary>
        public string MemberVouchers(string requestJson) { return Call(NativeMethods.vl_member_vouchers, requestJson); }
        /// <summary>What a voucher does to an order. Request and result as JSON (the data object).</summary>
        public string Validate(string requestJson) { return Call(NativeMethods.vl_validate, requestJson); }
        /// <summary>Reports the finished order (consumes the voucher). Request and result as JSON (the data object).</summary>
        public string SubmitOrder(string requestJson) { return Call(NativeMethods.vl_submit_order, requestJson); }
        /// <summary>Reserves a coupon during checkout. Request and result as JSON (the data object).</summary>
        public string Lock(string requestJson) { return Call(NativeMethods.vl_lock, requestJson); }
        /// <summary>Releases a reserved coupon. Request and result as JSON (the data object).</summary>
        public string Unlock(string requestJson) { return Call(NativeMethods.vl_unlock, requestJson); }
        /// <summary>The journal entries not yet settled. Request and result as JSON (the data object).</summary>
        public string Pending(string requestJson) { return Call(NativeMethods.vl_pending, requestJson); }
        /// <summary>Settles open journal entries and reports what was settled. Request and result as JSON (the data object).</summary>
        public string Recover(string requestJson) { return Call(NativeMethods.vl_recover, requestJson); }
        /// <summary>Opens the way to the provider(s) now (DNS, TCP, TLS, proxy, token), so that the cashier's next call
        /// costs one round trip: call it when the voucher payment screen opens. Never moves money. Request ({} or
        /// {"provider":"eguma"}) and result ({"providers":[{"provider","ready","ms"}]}) as JSON; a provider that is
        /// not ready throws its exception (NetworkException, AuthException, ...).</summary>
        public string Prepare(string requestJson) { return Call(NativeMethods.vl_prepare, requestJson); }
        /// <summary>Opens the way to every provider of this client now (see <see cref="Prepare(string)"/>).</summary>
        public PreparedInfo Prepare() { return new PreparedInfo(Prepare("{}")); }
        /// <summary>Opens the way to one provider of this client now (see <see cref="Prepare(string)"/>).</summary>
        public PreparedInfo Prepare(PrepareRequest request) { return new PreparedInfo(Prepare(Json.Of(request))); }
        /// <summary><see cref="Prepare()"/> on a worker thread: start it as the payment screen opens.</summary>
        public Task<PreparedInfo> PrepareAsync(CancellationToken cancel = default(CancellationToken)) { return Run(() => Prepare(), cancel); }

        // ---- Typed: a request object in, a result object out ----
        /// <summary>Which operations this client's provider supports.</summary>
        public CapabilitiesInfo Capabilities(CapabilitiesRequest request) { return new CapabilitiesInfo(Capabilities(Json.Of(request))); }
        /// <summary>Looks a voucher up: its balance, status and check-balance slip.</summary>
        public VoucherInfo Balance(BalanceRequest request) { return new VoucherInfo(Balance(Json.Of(request))); }
        /// <summary>Takes Amount, or min(RemainingToPay, balance), from a voucher (Coupontools: validates the coupon).</summary>
        public RedemptionInfo Redeem(RedeemRequest request) { return new RedemptionInfo(Redeem(Json.Of(request))); }
        /// <summary>Gives a redemption back.</summary>
        public RedemptionInfo CancelRedemption(CancelRedemptionRequest request) { return new RedemptionInfo(CancelRedemption(Json.Of(request))); }
        /// <summary>Whether a voucher or card can be sold, and for how much.</summary>
        public ActivationStatusInfo ActivationStatus(ActivationStatusRequest request) { return new ActivationStatusInfo(ActivationStatus(Json.Of(request))); }
        /// <summary>Sells (activates or loads) a voucher or card.</summary>
        public VoucherInfo Activate(ActivateRequest request) { return new VoucherInfo(Activate(Json.Of(request))); }
        /// <summary>Undoes a sale right after it.</summary>
        public VoucherInfo CancelActivation(CancelActivationRequest request) { return new VoucherInfo(CancelActivation(Json.Of(request))); }
        /// <summary>Whether a sold voucher can be taken back.</summary>
        public DeactivationStatusInfo DeactivationStatus(DeactivationStatusRequest request) { return new DeactivationStatusInfo(DeactivationStatus(Json.Of(request))); }
        /// <summary>Takes a sold voucher back.</summary>
        public VoucherInfo Deactivate(DeactivateRequest request) { return new VoucherInfo(Deactivate(Json.Of(request))); }
        /// <summary>Issues a new virtual card.</summary>
        public VoucherInfo Issue(IssueRequest request) { return new VoucherInfo(Issue(Json.Of(request))); }
        /// <summary>A card's balance mutations.</summary>
        public HistoryInfo History(HistoryRequest request) { return new HistoryInfo(History(Json.Of(request))); }
        /// <summary>A loyalty member's vouchers.</summary>
        public MemberVouchersInfo MemberVouchers(MemberVouchersRequest request) { return new MemberVouchersInfo(MemberVouchers(Json.Of(request))); }
        /// <summary>What a voucher does to an order.</summary>
        public ValidationInfo Validate(ValidateRequest request) { return new ValidationInfo(Validate(Json.Of(request))); }
        /// <summary>Reports the finished order (consumes the voucher).</summary>
        public OrderAcceptedInfo SubmitOrder(SubmitOrderRequest request) { return new OrderAcceptedInfo(SubmitOrder(Json.Of(request))); }
        /// <summary>Reserves a coupon during checkout.</summary>
        public VoucherInfo Lock(LockRequest request) { return new VoucherInfo(Lock(Json.Of(request))); }
        /// <summary>Releases a reserved coupon.</summary>
        public VoucherInfo Unlock(UnlockRequest request) { return new VoucherInfo(Unlock(Json.Of(request))); }
        /// <summary>The journal entries not yet settled.</summary>
        public PendingInfo Pending(PendingRequest request) { return new PendingInfo(Pending(Json.Of(request))); }
        /// <summary>Settles open journal entries and reports what was settled.</summary>
        public RecoverInfo Recover(RecoverRequest request) { return new RecoverInfo(Recover(Json.Of(request))); }

        /// <summary>Which operations this client's provider supports.</summary>
        public CapabilitiesInfo Capabilities() { return Capabilities(new CapabilitiesRequest()); }

        /// <summary>The journal entries not yet settled.</summary>
        public PendingInfo Pending() { return Pending(new PendingRequest()); }

        /// <summary>Settles every open journal entry it can, and reports what was settled since the last time.</summary>
        public RecoverInfo Recover() { return Recover(new RecoverRequest()); }

        // ---- Async, for a UI thread: the call runs on the thread pool ----
        // Cancelling the token stops the waiting, never the call: a money-moving call runs to its end
        // (its deadline) and its outcome is in the journal (Pending, Recover). The task then fails with
        // an OperationCanceledException saying so.
        /// <summary>Which operations this client's provider supports. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<CapabilitiesInfo> CapabilitiesAsync(CapabilitiesRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Capabilities(request), cancel); }
        /// <summary>Looks a voucher up: its balance, status and check-balance slip. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> BalanceAsync(BalanceRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Balance(request), cancel); }
        /// <summary>Takes Amount, or min(RemainingToPay, balance), from a voucher (Coupontools: validates the coupon). On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<RedemptionInfo> RedeemAsync(RedeemRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Redeem(request), cancel); }
        /// <summary>Gives a redemption back. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<RedemptionInfo> CancelRedemptionAsync(CancelRedemptionRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => CancelRedemption(request), cancel); }
        /// <summary>Whether a voucher or card can be sold, and for how much. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<ActivationStatusInfo> ActivationStatusAsync(ActivationStatusRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => ActivationStatus(request), cancel); }
        /// <summary>Sells (activates or loads) a voucher or card. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> ActivateAsync(ActivateRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Activate(request), cancel); }
        /// <summary>Undoes a sale right after it. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> CancelActivationAsync(CancelActivationRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => CancelActivation(request), cancel); }
        /// <summary>Whether a sold voucher can be taken back. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<DeactivationStatusInfo> DeactivationStatusAsync(DeactivationStatusRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => DeactivationStatus(request), cancel); }
        /// <summary>Takes a sold voucher back. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> DeactivateAsync(DeactivateRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Deactivate(request), cancel); }
        /// <summary>Issues a new virtual card. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> IssueAsync(IssueRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Issue(request), cancel); }
        /// <summary>A card's balance mutations. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<HistoryInfo> HistoryAsync(HistoryRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => History(request), cancel); }
        /// <summary>A loyalty member's vouchers. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<MemberVouchersInfo> MemberVouchersAsync(MemberVouchersRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => MemberVouchers(request), cancel); }
        /// <summary>What a voucher does to an order. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<ValidationInfo> ValidateAsync(ValidateRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Validate(request), cancel); }
        /// <summary>Reports the finished order (consumes the voucher). On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<OrderAcceptedInfo> SubmitOrderAsync(SubmitOrderRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => SubmitOrder(request), cancel); }
        /// <summary>Reserves a coupon during checkout. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> LockAsync(LockRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Lock(request), cancel); }
        /// <summary>Releases a reserved coupon. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<VoucherInfo> UnlockAsync(UnlockRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Unlock(request), cancel); }
        /// <summary>The journal entries not yet settled. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<PendingInfo> PendingAsync(PendingRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Pending(request), cancel); }
        /// <summary>Settles open journal entries and reports what was settled. On the thread pool; <paramref name="cancel"/> stops the waiting, not the call.</summary>
        public Task<RecoverInfo> RecoverAsync(RecoverRequest request, CancellationToken cancel = default(CancellationToken)) { return Run(() => Recover(request), cancel); }
    }

    /// <summary>What every request may carry besides its own fields.</summary>
    public abstract class Request
    {
        /// <summary>The POS receipt or transaction number (journaled, and sent where the provider takes one).</summary>
        public string Reference { get; set; }
        /// <summary>The till, instead of the configuration's pos_id.</summary>
        public string PosId { get; set; }
        /// <summary>The shop, instead of the configuration's site_id.</summary>
        public string SiteId { get; set; }
        /// <summary>The cashier, instead of the configuration's operator_id.</summary>
        public string OperatorId { get; set; }
        /// <summary>The language of receipt lines and the library's own messages ("de", "fr", ...), instead of
        /// the configuration's.</summary>
        public string Language { get; set; }
        /// <summary>With several providers configured: the provider to use ("eguma", ...); else the code decides.
        /// Keep each result's Provider with the sale and pass it back with its cancel.</summary>
        public string Provider { get; set; }

        /// <summary>Writes this request's own fields.</summary>
        internal abstract void WriteFields(JsonWriter json);

        /// <summary>The request as JSON.</summary>
        public string ToJson()
        {
            var json = new JsonWriter();
            WriteFields(json);
            return json.Add("reference", Reference).Add("pos_id", PosId).Add("site_id", SiteId)
                .Add("operator_id", OperatorId).Add("language", Language).Add("provider", Provider).ToString();
        }
    }

    /// <summary>vl_prepare: no fields of its own; Provider names one provider (else every one).</summary>
    public sealed class PrepareRequest : Request
    {
        internal override void WriteFields(JsonWriter json) { }
    }

    /// <summary>vl_capabilities: no fields.</summary>
    public sealed class CapabilitiesRequest : Request
    {
        internal override void WriteFields(JsonWriter json) { }
    }

    /// <summary>A request naming a voucher, card or coupon by its code.</summary>
    public abstract class CodeRequest : Request
    {
        /// <summary>The code as scanned or typed (e-guma: any case, dashes allowed; Coupontools: the session
        /// id or its URL).</summary>
        public string Code { get; set; }

        internal override void WriteFields(JsonWriter json) { json.Add("code", Code); }
    }

    /// <summary>vl_balance.</summary>
    public sealed class BalanceRequest : CodeRequest
    {
        /// <summary>Treazure, instead of Code: the card's serial number (with ScratchCode).</summary>
        public string SerialNumber { get; set; }
        /// <summary>Treazure: the scratch code that goes with SerialNumber (a secret: never logged).</summary>
        public string ScratchCode { get; set; }
        /// <summary>Treazure: the till's offset from UTC ("+01:00"), instead of the configuration's.</summary>
        public string UtcOffset { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("serial_number", SerialNumber).Add("scratch_code", ScratchCode).Add("utc_offset", UtcOffset);
        }
    }

    /// <summary>vl_redeem: Amount exactly, or what the sale still needs (RemainingToPay).</summary>
    public sealed class RedeemRequest : CodeRequest
    {
        /// <summary>Exactly this amount (refused if the voucher holds less)...</summary>
        public decimal? Amount { get; set; }
        /// <summary>...or what the sale still needs: takes min(RemainingToPay, balance).</summary>
        public decimal? RemainingToPay { get; set; }
        /// <summary>Coupontools: the sale total, recorded with the validation.</summary>
        public decimal? MoneySpent { get; set; }
        /// <summary>Treazure: the till's offset from UTC, instead of the configuration's.</summary>
        public string UtcOffset { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("amount", Amount).Add("remaining_to_pay", RemainingToPay).Add("money_spent", MoneySpent).Add("utc_offset", UtcOffset);
        }
    }

    /// <summary>vl_cancel_redemption.</summary>
    public sealed class CancelRedemptionRequest : CodeRequest
    {
        /// <summary>The redemption's TransactionId.</summary>
        public string TransactionId { get; set; }
        /// <summary>How much to give back (e-guma: required; Treazure: the whole redemption, optional).</summary>
        public decimal? Amount { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("transaction_id", TransactionId).Add("amount", Amount);
        }
    }

    /// <summary>vl_activation_status.</summary>
    public sealed class ActivationStatusRequest : CodeRequest { }

    /// <summary>vl_activate.</summary>
    public sealed class ActivateRequest : CodeRequest
    {
        /// <summary>The amount sold (required for a free-amount voucher; left out for a fixed one).</summary>
        public decimal? Amount { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("amount", Amount);
        }
    }

    /// <summary>vl_cancel_activation.</summary>
    public sealed class CancelActivationRequest : CodeRequest
    {
        /// <summary>The activation's TransactionId.</summary>
        public string TransactionId { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("transaction_id", TransactionId);
        }
    }

    /// <summary>vl_deactivation_status.</summary>
    public sealed class DeactivationStatusRequest : CodeRequest { }

    /// <summary>vl_deactivate.</summary>
    public sealed class DeactivateRequest : CodeRequest
    {
        /// <summary>Why it is taken back.</summary>
        public string Reason { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("reason", Reason);
        }
    }

    /// <summary>vl_issue.</summary>
    public sealed class IssueRequest : Request
    {
        /// <summary>The new card's value.</summary>
        public decimal? Amount { get; set; }

        internal override void WriteFields(JsonWriter json) { json.Add("amount", Amount); }
    }

    /// <summary>vl_history.</summary>
    public sealed class HistoryRequest : CodeRequest
    {
        /// <summary>The condensed history (one line per day and kind).</summary>
        public bool? Condensed { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("condensed", Condensed);
        }
    }

    /// <summary>vl_member_vouchers: one of MemberCode, PhoneNumber, Search.</summary>
    public sealed class MemberVouchersRequest : Request
    {
        /// <summary>The member's code.</summary>
        public string MemberCode { get; set; }
        /// <summary>The member's phone number (international form, +30...).</summary>
        public string PhoneNumber { get; set; }
        /// <summary>A member code or phone number, whichever it is.</summary>
        public string Search { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            json.Add("member_code", MemberCode).Add("phone_number", PhoneNumber).Add("search", Search);
        }
    }

    /// <summary>vl_validate.</summary>
    public sealed class ValidateRequest : CodeRequest
    {
        /// <summary>The order's total before the discount.</summary>
        public decimal? OrderTotal { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            base.WriteFields(json);
            json.Add("order_total", OrderTotal);
        }
    }

    /// <summary>vl_submit_order.</summary>
    public sealed class SubmitOrderRequest : Request
    {
        /// <summary>The POS's id of the order.</summary>
        public string OrderId { get; set; }
        /// <summary>The order's total before the discount.</summary>
        public decimal? OrderTotal { get; set; }
        /// <summary>The discount given.</summary>
        public decimal? Discount { get; set; }
        /// <summary>The total paid.</summary>
        public decimal? TotalAfterDiscount { get; set; }
        /// <summary>The voucher used, if any.</summary>
        public string Code { get; set; }
        /// <summary>The loyalty member, if any.</summary>
        public string MemberCode { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            json.Add("order_id", OrderId).Add("order_total", OrderTotal).Add("discount", Discount)
                .Add("total_after_discount", TotalAfterDiscount).Add("code", Code).Add("member_code", MemberCode);
        }
    }

    /// <summary>vl_lock.</summary>
    public sealed class LockRequest : CodeRequest { }

    /// <summary>vl_unlock.</summary>
    public sealed class UnlockRequest : CodeRequest { }

    /// <summary>vl_pending: no fields.</summary>
    public sealed class PendingRequest : Request
    {
        internal override void WriteFields(JsonWriter json) { }
    }

    /// <summary>vl_recover: every open entry; or one (JournalId); or one settled by hand (JournalId and Outcome).</summary>
    public sealed class RecoverRequest : Request
    {
        /// <summary>One journal entry (from InDoubtException.JournalId).</summary>
        public string JournalId { get; set; }
        /// <summary>Settles JournalId by hand, after a look at the provider's back office.</summary>
        public RecoverOutcome? Outcome { get; set; }

        internal override void WriteFields(JsonWriter json)
        {
            json.Add("journal_id", JournalId).Add("outcome", Outcome.HasValue ? (Outcome.Value == RecoverOutcome.Done ? "done" : "failed") : null);
        }
    }

    /// <summary>What an operation answered: its data object, typed; <see cref="Json"/> keeps the whole of it.</summary>
    public abstract class Result
    {
        /// <summary>The data object as JSON (every field, also those this binding does not type).</summary>
        public string Json { get; private set; }

        /// <summary>Reads a data object.</summary>
        protected Dictionary<string, object> Read(string json)
        {
            Json = json;
            return VoucherLink.Json.Parse(json) as Dictionary<string, object>;
        }
    }

    /// <summary>A limit on what a voucher may pay for.</summary>
    public sealed class Restriction
    {
        /// <summary>What kind of limit ("article_set").</summary>
        public string Kind { get; private set; }
        /// <summary>The provider's code for it.</summary>
        public string Code { get; private set; }
        /// <summary>What the cashier must do about it.</summary>
        public string Message { get; private set; }

        internal Restriction(Dictionary<string, object> d)
        {
            Kind = VoucherLink.Json.Str(d, "kind");
            Code = VoucherLink.Json.Str(d, "code");
            Message = VoucherLink.Json.Str(d, "message");
        }
    }

    /// <summary>A voucher, gift card or coupon as the provider sees it now (vl_balance, vl_activate, vl_lock, ...).</summary>
    public sealed class VoucherInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>The provider's canonical code: use it for every follow-up call.</summary>
        public string Code { get; private set; }
        /// <summary>Where it stands.</summary>
        public VoucherStatus Status { get; private set; }
        /// <summary>Whether it can pay now.</summary>
        public bool Redeemable { get; private set; }
        /// <summary>What is left on it.</summary>
        public decimal? Balance { get; private set; }
        /// <summary>Its value when sold.</summary>
        public decimal? InitialAmount { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>For the cashier: the provider's message, or the library's note on its state.</summary>
        public string Message { get; private set; }
        /// <summary>Its expiry date, when the provider gives one it can be read as.</summary>
        public DateTimeOffset? ExpiresAt { get; private set; }
        /// <summary>Its expiry date as the provider wrote it.</summary>
        public string ExpiresAtText { get; private set; }
        /// <summary>Limits on what it may pay for.</summary>
        public Restriction[] Restrictions { get; private set; }
        /// <summary>Ready-to-print lines (the check-balance slip, or what the operation did), in the configured language.</summary>
        public string[] ReceiptLines { get; private set; }
        /// <summary>The provider's id of the operation (an activation: keep it for CancelActivation).</summary>
        public string TransactionId { get; private set; }

        internal VoucherInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            Status = VoucherLink.Json.Enum(d, "status", VoucherStatus.Unknown);
            Redeemable = VoucherLink.Json.Bool(d, "redeemable");
            Balance = VoucherLink.Json.Money(d, "balance");
            InitialAmount = VoucherLink.Json.Money(d, "initial_amount");
            Currency = VoucherLink.Json.Str(d, "currency");
            Message = VoucherLink.Json.Str(d, "message");
            ExpiresAtText = VoucherLink.Json.Str(d, "expires_at");
            ExpiresAt = VoucherLink.Json.Date(d, "expires_at");
            var restrictions = new List<Restriction>();
            foreach (var r in VoucherLink.Json.Objects(d, "restrictions")) restrictions.Add(new Restriction(r));
            Restrictions = restrictions.ToArray();
            ReceiptLines = VoucherLink.Json.Lines(d, "receipt_lines");
            TransactionId = VoucherLink.Json.Str(d, "transaction_id");
        }

        /// <summary>Reads a voucher document (the JSON of Balance(string), ...).</summary>
        public static VoucherInfo Parse(string json) { return new VoucherInfo(json); }
    }

    /// <summary>Money taken from or given back to a voucher (vl_redeem, vl_cancel_redemption).</summary>
    public sealed class RedemptionInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>The provider's canonical code.</summary>
        public string Code { get; private set; }
        /// <summary>What was actually taken (or given back); null for a coupon without a money value.</summary>
        public decimal? Amount { get; private set; }
        /// <summary>What is left on the voucher afterwards.</summary>
        public decimal? Balance { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>The redemption's id: keep it with the sale, CancelRedemption needs it.</summary>
        public string TransactionId { get; private set; }
        /// <summary>Ready-to-print lines (code, amount, balance left), in the configured language.</summary>
        public string[] ReceiptLines { get; private set; }

        internal RedemptionInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            Amount = VoucherLink.Json.Money(d, "amount");
            Balance = VoucherLink.Json.Money(d, "balance");
            Currency = VoucherLink.Json.Str(d, "currency");
            TransactionId = VoucherLink.Json.Str(d, "transaction_id");
            ReceiptLines = VoucherLink.Json.Lines(d, "receipt_lines");
        }

        /// <summary>Reads a redemption document.</summary>
        public static RedemptionInfo Parse(string json) { return new RedemptionInfo(json); }
    }

    /// <summary>Whether a voucher can be sold, and for how much (vl_activation_status).</summary>
    public sealed class ActivationStatusInfo : Result
    {
        /// <summary>Provider id (named when several providers are configured).</summary>
        public string Provider { get; private set; }
        /// <summary>The provider's canonical code.</summary>
        public string Code { get; private set; }
        /// <summary>Whether it can be sold now.</summary>
        public bool CanActivate { get; private set; }
        /// <summary>Whether the cashier chooses the amount (then Activate needs one).</summary>
        public bool FreeAmount { get; private set; }
        /// <summary>The fixed amount, when not a free amount.</summary>
        public decimal? Amount { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>Why it cannot be sold (or a note).</summary>
        public string Message { get; private set; }

        internal ActivationStatusInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            CanActivate = VoucherLink.Json.Bool(d, "can_activate");
            FreeAmount = VoucherLink.Json.Bool(d, "free_amount");
            Amount = VoucherLink.Json.Money(d, "amount");
            Currency = VoucherLink.Json.Str(d, "currency");
            Message = VoucherLink.Json.Str(d, "message");
        }
    }

    /// <summary>Whether a sold voucher can be taken back (vl_deactivation_status).</summary>
    public sealed class DeactivationStatusInfo : Result
    {
        /// <summary>Provider id (named when several providers are configured).</summary>
        public string Provider { get; private set; }
        /// <summary>The provider's canonical code.</summary>
        public string Code { get; private set; }
        /// <summary>Whether it can be taken back now.</summary>
        public bool CanDeactivate { get; private set; }
        /// <summary>The value that would be taken back.</summary>
        public decimal? Amount { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>Why it cannot be taken back.</summary>
        public string Message { get; private set; }

        internal DeactivationStatusInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            CanDeactivate = VoucherLink.Json.Bool(d, "can_deactivate");
            Amount = VoucherLink.Json.Money(d, "amount");
            Currency = VoucherLink.Json.Str(d, "currency");
            Message = VoucherLink.Json.Str(d, "message");
        }
    }

    /// <summary>One balance mutation of a card.</summary>
    public sealed class HistoryLine
    {
        /// <summary>When (as the provider wrote it).</summary>
        public string At { get; private set; }
        /// <summary>The shop.</summary>
        public string ShopId { get; private set; }
        /// <summary>The till.</summary>
        public string PosId { get; private set; }
        /// <summary>The receipt reference it was made with.</summary>
        public string Receipt { get; private set; }
        /// <summary>The cashier.</summary>
        public string OperatorId { get; private set; }
        /// <summary>A comment.</summary>
        public string Comment { get; private set; }
        /// <summary>The status before.</summary>
        public VoucherStatus? OldStatus { get; private set; }
        /// <summary>The status after.</summary>
        public VoucherStatus? NewStatus { get; private set; }
        /// <summary>The change of the balance.</summary>
        public decimal? Mutation { get; private set; }
        /// <summary>The balance after.</summary>
        public decimal? Balance { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>The provider's id of the operation.</summary>
        public string TransactionId { get; private set; }

        internal HistoryLine(Dictionary<string, object> d)
        {
            At = VoucherLink.Json.Str(d, "at");
            ShopId = VoucherLink.Json.Str(d, "shop_id");
            PosId = VoucherLink.Json.Str(d, "pos_id");
            Receipt = VoucherLink.Json.Str(d, "receipt");
            OperatorId = VoucherLink.Json.Str(d, "operator_id");
            Comment = VoucherLink.Json.Str(d, "comment");
            OldStatus = VoucherLink.Json.Str(d, "old_status") == null ? (VoucherStatus?)null : VoucherLink.Json.Enum(d, "old_status", VoucherStatus.Unknown);
            NewStatus = VoucherLink.Json.Str(d, "new_status") == null ? (VoucherStatus?)null : VoucherLink.Json.Enum(d, "new_status", VoucherStatus.Unknown);
            Mutation = VoucherLink.Json.Money(d, "mutation");
            Balance = VoucherLink.Json.Money(d, "balance");
            Currency = VoucherLink.Json.Str(d, "currency");
            TransactionId = VoucherLink.Json.Str(d, "transaction_id");
        }
    }

    /// <summary>A card's balance mutations (vl_history).</summary>
    public sealed class HistoryInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>The card.</summary>
        public string Code { get; private set; }
        /// <summary>Whether this is the condensed history.</summary>
        public bool Condensed { get; private set; }
        /// <summary>The mutations, oldest first.</summary>
        public HistoryLine[] Entries { get; private set; }

        internal HistoryInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            Condensed = VoucherLink.Json.Bool(d, "condensed");
            var entries = new List<HistoryLine>();
            foreach (var e in VoucherLink.Json.Objects(d, "entries")) entries.Add(new HistoryLine(e));
            Entries = entries.ToArray();
        }
    }

    /// <summary>A loyalty member.</summary>
    public sealed class Member
    {
        /// <summary>The member's code.</summary>
        public string MemberCode { get; private set; }
        /// <summary>Name.</summary>
        public string Name { get; private set; }
        /// <summary>Phone number.</summary>
        public string PhoneNumber { get; private set; }
        /// <summary>E-mail.</summary>
        public string Email { get; private set; }

        internal Member(Dictionary<string, object> d)
        {
            MemberCode = VoucherLink.Json.Str(d, "member_code");
            Name = VoucherLink.Json.Str(d, "name");
            PhoneNumber = VoucherLink.Json.Str(d, "phone_number");
            Email = VoucherLink.Json.Str(d, "email");
        }
    }

    /// <summary>A GonnaOrder voucher a member holds, or the one an order uses.</summary>
    public sealed class Offer
    {
        /// <summary>The voucher code.</summary>
        public string Code { get; private set; }
        /// <summary>What it takes off.</summary>
        public DiscountType Type { get; private set; }
        /// <summary>The amount, or the percentage, it takes off.</summary>
        public decimal Discount { get; private set; }
        /// <summary>Where it comes from (LOYALTY, STORE, ...).</summary>
        public string Source { get; private set; }
        /// <summary>Its description as GonnaOrder gives it (JSON: text, or text per language).</summary>
        public string DescriptionJson { get; private set; }

        internal Offer(Dictionary<string, object> d)
        {
            Code = VoucherLink.Json.Str(d, "code");
            Type = VoucherLink.Json.Enum(d, "type", DiscountType.Unknown);
            Discount = VoucherLink.Json.Money(d, "discount") ?? 0m;
            Source = VoucherLink.Json.Str(d, "source");
            object description;
            DescriptionJson = d != null && d.TryGetValue("description", out description) ? VoucherLink.Json.Write(description) : "null";
        }
    }

    /// <summary>A loyalty member and their vouchers (vl_member_vouchers).</summary>
    public sealed class MemberVouchersInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>The member.</summary>
        public Member Member { get; private set; }
        /// <summary>Their vouchers.</summary>
        public Offer[] Vouchers { get; private set; }

        internal MemberVouchersInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Member = new Member(VoucherLink.Json.Obj(d, "member"));
            var vouchers = new List<Offer>();
            foreach (var v in VoucherLink.Json.Objects(d, "vouchers")) vouchers.Add(new Offer(v));
            Vouchers = vouchers.ToArray();
        }
    }

    /// <summary>What a voucher does to an order (vl_validate).</summary>
    public sealed class ValidationInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>Whether it can be used on this order.</summary>
        public bool Valid { get; private set; }
        /// <summary>The voucher code.</summary>
        public string Code { get; private set; }
        /// <summary>The voucher.</summary>
        public Offer Voucher { get; private set; }
        /// <summary>What it takes off this order.</summary>
        public decimal Discount { get; private set; }
        /// <summary>The order total before.</summary>
        public decimal OrderTotal { get; private set; }
        /// <summary>The order total after.</summary>
        public decimal TotalAfterDiscount { get; private set; }

        internal ValidationInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Valid = VoucherLink.Json.Bool(d, "valid");
            Code = VoucherLink.Json.Str(d, "code");
            Voucher = new Offer(VoucherLink.Json.Obj(d, "voucher"));
            Discount = VoucherLink.Json.Money(d, "discount") ?? 0m;
            OrderTotal = VoucherLink.Json.Money(d, "order_total") ?? 0m;
            TotalAfterDiscount = VoucherLink.Json.Money(d, "total_after_discount") ?? 0m;
        }
    }

    /// <summary>The provider took the order (vl_submit_order).</summary>
    public sealed class OrderAcceptedInfo : Result
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>Always true: a refusal is an exception.</summary>
        public bool Accepted { get; private set; }

        internal OrderAcceptedInfo(string json)
        {
            var d = Read(json);
            Provider = VoucherLink.Json.Str(d, "provider");
            Accepted = VoucherLink.Json.Bool(d, "accepted");
        }
    }

    /// <summary>Which operations a client supports (vl_capabilities): its provider's; with several providers
    /// configured, each one's (<see cref="Providers"/>) and all of them together (<see cref="Operations"/>).</summary>
    public sealed class CapabilitiesInfo : Result
    {
        /// <summary>Provider id (a client of one provider; null with several).</summary>
        public string Provider { get; private set; }
        /// <summary>Operation names ("balance", "redeem", ...): with several providers, every operation one of
        /// them has.</summary>
        public string[] Operations { get; private set; }
        /// <summary>With several providers configured: each, in configured order, with its operations (its
        /// Providers is empty); else empty.</summary>
        public CapabilitiesInfo[] Providers { get; private set; }

        internal CapabilitiesInfo(string json) { Fill(Read(json)); }

        private CapabilitiesInfo(Dictionary<string, object> d) { Fill(d); }

        private void Fill(Dictionary<string, object> d)
        {
            Provider = VoucherLink.Json.Str(d, "provider");
            Operations = VoucherLink.Json.Lines(d, "operations");
            var each = new List<CapabilitiesInfo>();
            foreach (var p in VoucherLink.Json.Objects(d, "providers")) each.Add(new CapabilitiesInfo(p));
            Providers = each.ToArray();
        }
    }

    /// <summary>What vl_prepare answers: each provider asked, ready for the next call.</summary>
    public sealed class PreparedInfo : Result
    {
        /// <summary>Each provider asked, in configured order.</summary>
        public ProviderReadiness[] Providers { get; private set; }

        internal PreparedInfo(string json)
        {
            var ready = new List<ProviderReadiness>();
            foreach (var p in VoucherLink.Json.Objects(Read(json), "providers")) ready.Add(new ProviderReadiness(p));
            Providers = ready.ToArray();
        }
    }

    /// <summary>One provider's way opened by vl_prepare.</summary>
    public sealed class ProviderReadiness
    {
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>Whether its way is open: connected (TLS done, through the proxy) and signed in.</summary>
        public bool Ready { get; private set; }
        /// <summary>How long it took, in milliseconds.</summary>
        public long Ms { get; private set; }

        internal ProviderReadiness(Dictionary<string, object> d)
        {
            Provider = VoucherLink.Json.Str(d, "provider");
            Ready = VoucherLink.Json.Bool(d, "ready");
            string ms = VoucherLink.Json.Number(d, "ms");
            Ms = ms == null ? 0 : long.Parse(ms, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The call during which the library made a journal entry by itself (a reversal).</summary>
    public sealed class JournalTrigger
    {
        /// <summary>Its operation ("redeem", ...).</summary>
        public string Operation { get; private set; }
        /// <summary>Its journal id, when it moved money itself.</summary>
        public string JournalId { get; private set; }
        /// <summary>Its POS reference.</summary>
        public string Reference { get; private set; }
        /// <summary>Its till.</summary>
        public string PosId { get; private set; }
        /// <summary>Its cashier.</summary>
        public string OperatorId { get; private set; }

        internal JournalTrigger(Dictionary<string, object> d)
        {
            Operation = VoucherLink.Json.Str(d, "operation");
            JournalId = VoucherLink.Json.Str(d, "journal_id");
            Reference = VoucherLink.Json.Str(d, "reference");
            PosId = VoucherLink.Json.Str(d, "pos_id");
            OperatorId = VoucherLink.Json.Str(d, "operator_id");
        }
    }

    /// <summary>A money-moving operation in the journal.</summary>
    public sealed class JournalEntry
    {
        /// <summary>Its id (vl-...), also InDoubtException.JournalId.</summary>
        public string JournalId { get; private set; }
        /// <summary>Provider id.</summary>
        public string Provider { get; private set; }
        /// <summary>The operation ("redeem", ...).</summary>
        public string Operation { get; private set; }
        /// <summary>Where it stands.</summary>
        public JournalState State { get; private set; }
        /// <summary>The provider's canonical code.</summary>
        public string Code { get; private set; }
        /// <summary>The amount it moves.</summary>
        public decimal? Amount { get; private set; }
        /// <summary>ISO currency code.</summary>
        public string Currency { get; private set; }
        /// <summary>The POS reference it was made with.</summary>
        public string Reference { get; private set; }
        /// <summary>The till.</summary>
        public string PosId { get; private set; }
        /// <summary>The cashier.</summary>
        public string OperatorId { get; private set; }
        /// <summary>When it was journaled.</summary>
        public DateTimeOffset? CreatedAt { get; private set; }
        /// <summary>When it last changed.</summary>
        public DateTimeOffset? UpdatedAt { get; private set; }
        /// <summary>How often it was sent.</summary>
        public int Attempts { get; private set; }
        /// <summary>When a queued undo is sent again.</summary>
        public DateTimeOffset? NextAttemptAt { get; private set; }
        /// <summary>Until when it may still land at the provider.</summary>
        public DateTimeOffset? MayLandUntil { get; private set; }
        /// <summary>Why it is not settled yet (for support).</summary>
        public string LastError { get; private set; }
        /// <summary>How it was settled (for support).</summary>
        public string Note { get; private set; }
        /// <summary>The entry this one reverses.</summary>
        public string Reverses { get; private set; }
        /// <summary>The entry that reverses this one.</summary>
        public string ReversedBy { get; private set; }
        /// <summary>For a reversal the library made: the call during which it was made (Reference, PosId and
        /// OperatorId above are the reversed sale's); null otherwise.</summary>
        public JournalTrigger TriggeredBy { get; private set; }
        /// <summary>What the provider answered, as far as known (JSON).</summary>
        public string ResultJson { get; private set; }

        internal JournalEntry(Dictionary<string, object> d)
        {
            JournalId = VoucherLink.Json.Str(d, "journal_id");
            Provider = VoucherLink.Json.Str(d, "provider");
            Operation = VoucherLink.Json.Str(d, "operation");
            State = VoucherLink.Json.Enum(d, "state", JournalState.Unknown);
            Code = VoucherLink.Json.Str(d, "code");
            Amount = VoucherLink.Json.Money(d, "amount");
            Currency = VoucherLink.Json.Str(d, "currency");
            Reference = VoucherLink.Json.Str(d, "reference");
            PosId = VoucherLink.Json.Str(d, "pos_id");
            OperatorId = VoucherLink.Json.Str(d, "operator_id");
            CreatedAt = VoucherLink.Json.Date(d, "created_at");
            UpdatedAt = VoucherLink.Json.Date(d, "updated_at");
            var attempts = VoucherLink.Json.Number(d, "attempts");
            Attempts = attempts == null ? 0 : int.Parse(attempts, CultureInfo.InvariantCulture);
            NextAttemptAt = VoucherLink.Json.Date(d, "next_attempt_at");
            MayLandUntil = VoucherLink.Json.Date(d, "may_land_until");
            LastError = VoucherLink.Json.Str(d, "last_error");
            Note = VoucherLink.Json.Str(d, "note");
            Reverses = VoucherLink.Json.Str(d, "reverses");
            ReversedBy = VoucherLink.Json.Str(d, "reversed_by");
            var trigger = VoucherLink.Json.Obj(d, "triggered_by");
            TriggeredBy = trigger == null ? null : new JournalTrigger(trigger);
            object result;
            ResultJson = d != null && d.TryGetValue("result", out result) ? VoucherLink.Json.Write(result) : "null";
        }

        internal static JournalEntry[] List(Dictionary<string, object> d, string key)
        {
            var entries = new List<JournalEntry>();
            foreach (var e in VoucherLink.Json.Objects(d, key)) entries.Add(new JournalEntry(e));
            return entries.ToArray();
        }
    }

    /// <summary>The journal entries not yet settled (vl_pending).</summary>
    public sealed class PendingInfo : Result
    {
        /// <summary>The open entries of this client's account.</summary>
        public JournalEntry[] Entries { get; private set; }

        internal PendingInfo(string json)
        {
            Entries = JournalEntry.List(Read(json), "entries");
        }
    }

    /// <summary>What vl_recover settled, and what is still open.</summary>
    public sealed class RecoverInfo : Result
    {
        /// <summary>Entries settled (each reported once).</summary>
        public JournalEntry[] Resolved { get; private set; }
        /// <summary>Entries still open.</summary>
        public JournalEntry[] StillPending { get; private set; }

        internal RecoverInfo(string json)
        {
            var d = Read(json);
            Resolved = JournalEntry.List(d, "resolved");
            StillPending = JournalEntry.List(d, "still_pending");
        }
    }

    /// <summary>Builds a flat JSON object; null values are left out.</summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _text = new StringBuilder("{");

        public JsonWriter Add(string key, string value)
        {
            if (value != null) Member(key).Append(Json.Quote(value));
            return this;
        }

        public JsonWriter Add(string key, decimal? value)
        {
            if (value.HasValue) Member(key).Append(Json.Quote(value.Value.ToString(CultureInfo.InvariantCulture)));
            return this;
        }

        public JsonWriter Add(string key, bool? value)
        {
            if (value.HasValue) Member(key).Append(value.Value ? "true" : "false");
            return this;
        }

        private StringBuilder Member(string key)
        {
            if (_text.Length > 1) _text.Append(',');
            return _text.Append(Json.Quote(key)).Append(':');
        }

        public override string ToString() { return _text.ToString() + "}"; }
    }

    /// <summary>A small JSON reader and writer (.NET Framework has none built in): objects become
    /// Dictionary&lt;string, object&gt;, arrays List&lt;object&gt;, numbers decimal.</summary>
    public static class Json
    {
        /// <summary>Reads JSON text; throws FormatException when it is not JSON.</summary>
        public static object Parse(string text)
        {
            int i = 0;
            object value = Value(text, ref i);
            Space(text, ref i);
            if (i != text.Length) throw new FormatException("trailing characters in JSON");
            return value;
        }

        /// <summary>A request as JSON.</summary>
        public static string Of(Request request)
        {
            if (request == null) throw new ArgumentNullException("request");
            return request.ToJson();
        }

        /// <summary>An object member that is an object (null otherwise).</summary>
        public static Dictionary<string, object> Obj(object parent, string key)
        {
            var d = parent as Dictionary<string, object>;
            object v;
            return d != null && d.TryGetValue(key, out v) ? v as Dictionary<string, object> : null;
        }

        /// <summary>A member that is a string (null otherwise).</summary>
        public static string Str(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) ? v as string : null;
        }

        /// <summary>A member that is a number, as its invariant text (null otherwise).</summary>
        public static string Number(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) && v is decimal ? ((decimal)v).ToString(CultureInfo.InvariantCulture) : null;
        }

        /// <summary>A member that is true.</summary>
        public static bool Bool(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) && v is bool && (bool)v;
        }

        /// <summary>An amount (the library writes them as decimal strings), exactly.</summary>
        public static decimal? Money(Dictionary<string, object> d, string key)
        {
            object v;
            if (d == null || !d.TryGetValue(key, out v) || v == null) return null;
            if (v is decimal) return (decimal)v;
            return decimal.Parse((string)v, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        /// <summary>A list of strings (receipt lines); empty when absent.</summary>
        public static string[] Lines(Dictionary<string, object> d, string key)
        {
            var lines = new List<string>();
            object raw;
            if (d != null && d.TryGetValue(key, out raw) && raw is List<object>)
                foreach (var line in (List<object>)raw) lines.Add(line as string);
            return lines.ToArray();
        }

        /// <summary>A list of objects; empty when absent.</summary>
        public static List<Dictionary<string, object>> Objects(Dictionary<string, object> d, string key)
        {
            var list = new List<Dictionary<string, object>>();
            object raw;
            if (d != null && d.TryGetValue(key, out raw) && raw is List<object>)
                foreach (var item in (List<object>)raw)
                    if (item is Dictionary<string, object>) list.Add((Dictionary<string, object>)item);
            return list;
        }

        /// <summary>A member naming an enum value in snake_case ("in_doubt" is InDoubt); fallback when
        /// absent or unknown (a newer library may add values).</summary>
        public static T Enum<T>(Dictionary<string, object> d, string key, T fallback) where T : struct
        {
            var text = Str(d, key);
            T value;
            if (text != null && System.Enum.TryParse(text.Replace("_", ""), true, out value)) return value;
            return fallback;
        }

        /// <summary>A member that is a date, as the library or the provider wrote it (UTC when no offset is given).</summary>
        public static DateTimeOffset? Date(Dictionary<string, object> d, string key)
        {
            var text = Str(d, key);
            DateTimeOffset value;
            if (text != null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)) return value;
            return null;
        }

        /// <summary>A string as a JSON string literal.</summary>
        public static string Quote(string s)
        {
            var b = new StringBuilder("\"");
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    default:
                        if (c < 0x20) b.Append("\\u").Append(((int)c).ToString("x4")); else b.Append(c);
                        break;
                }
            }
            return b.Append('"').ToString();
        }

        /// <summary>A value read by Parse, written back as JSON.</summary>
        public static string Write(object value)
        {
            if (value == null) return "null";
            if (value is string) return Quote((string)value);
            if (value is bool) return (bool)value ? "true" : "false";
            if (value is decimal) return ((decimal)value).ToString(CultureInfo.InvariantCulture);
            var list = value as List<object>;
            if (list != null)
            {
                var parts = new List<string>();
                foreach (var item in list) parts.Add(Write(item));
                return "[" + string.Join(",", parts.ToArray()) + "]";
            }
            var members = new List<string>();
            foreach (var pair in (Dictionary<string, object>)value) members.Add(Quote(pair.Key) + ":" + Write(pair.Value));
            return "{" + string.Join(",", members.ToArray()) + "}";
        }

        private static void Space(string s, ref int i)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }

        private static object Value(string s, ref int i)
        {
            Space(s, ref i);
            if (i >= s.Length) throw new FormatException("unexpected end of JSON");
            char c = s[i];
            if (c == '{')
            {
                var d = new Dictionary<string, object>();
                i++;
                Space(s, ref i);
                if (i < s.Length && s[i] == '}') { i++; return d; }
                while (true)
                {
                    Space(s, ref i);
                    string key = (string)Value(s, ref i);
                    Space(s, ref i);
                    Expect(s, ref i, ':');
                    d[key] = Value(s, ref i);
                    Space(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    Expect(s, ref i, '}');
                    return d;
                }
            }
            if (c == '[')
            {
                var l = new List<object>();
                i++;
                Space(s, ref i);
                if (i < s.Length && s[i] == ']') { i++; return l; }
                while (true)
                {
                    l.Add(Value(s, ref i));
                    Space(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    Expect(s, ref i, ']');
                    return l;
                }
            }
            if (c == '"')
            {
                var b = new StringBuilder();
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        char e = s[++i];
                        switch (e)
                        {
                            case 'n': b.Append('\n'); break;
                            case 'r': b.Append('\r'); break;
                            case 't': b.Append('\t'); break;
                            case 'b': b.Append('\b'); break;
                            case 'f': b.Append('\f'); break;
                            case 'u': b.Append((char)Convert.ToInt32(s.Substring(i + 1, 4), 16)); i += 4; break;
                            default: b.Append(e); break;
                        }
                        i++;
                    }
                    else b.Append(s[i++]);
                }
                Expect(s, ref i, '"');
                return b.ToString();
            }
            if (s.Substring(i).StartsWith("true", StringComparison.Ordinal)) { i += 4; return true; }
            if (s.Substring(i).StartsWith("false", StringComparison.Ordinal)) { i += 5; return false; }
            if (s.Substring(i).StartsWith("null", StringComparison.Ordinal)) { i += 4; return null; }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            if (start == i) throw new FormatException("unexpected character in JSON: " + c);
            return decimal.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c) throw new FormatException("expected '" + c + "' in JSON");
            i++;
        }
    }
}
