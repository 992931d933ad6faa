// voucherlink for C#: vouchers, gift cards and coupons (e-guma, Treazure, GonnaOrder, Coupontools)
// for point-of-sale systems. One file to drop into a POS project.
//
// Works on .NET Framework 4.x / Mono and on .NET 6+: P/Invoke with CallingConvention.Cdecl (the
// library's convention, also on 32-bit Windows), UTF-8 marshalled by hand (no LPUTF8Str, which
// .NET Framework lacks), no bool across the ABI, C# 6 syntax. Put voucherlink.dll (x86 or x64, as
// your process) beside the executable; on Linux/Mono libvoucherlink.so on the library path.
//
//   using (var client = new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"...\"}"))
//   {
//       VoucherInfo voucher = client.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
//       RedemptionInfo taken = client.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = 80.00m });
//   }

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace VoucherLink
{
    /// <summary>The C functions of libvoucherlink (voucherlink.h).</summary>
    internal static class NativeMethods
    {
        private const string Lib = "voucherlink";

        /// <summary>The C ABI this file was written for (VL_ABI_VERSION).</summary>
        internal const uint AbiVersion = 1;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogFn(uint level, IntPtr messageUtf8, IntPtr userData);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vl_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_abi_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vl_status_name(uint status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_client_new(byte[] configJson, out VlClientHandle client, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void vl_client_free(IntPtr client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void vl_string_free(IntPtr s);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_set_logger(LogFn callback, IntPtr userData, uint minLevel);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_capabilities(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_balance(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_redeem(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_cancel_redemption(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_activation_status(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_activate(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_cancel_activation(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_deactivation_status(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_deactivate(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_issue(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_history(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_member_vouchers(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_validate(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_submit_order(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_lock(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_unlock(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_pending(VlClientHandle client, byte[] request, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint vl_recover(VlClientHandle client, byte[] request, out IntPtr json);

        internal delegate uint Operation(VlClientHandle client, byte[] request, out IntPtr json);

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

    /// <summary>Status codes (VlStatus).</summary>
    public static class VlStatus
    {
        public const uint Ok = 0, InvalidArgument = 1, Config = 2, Unsupported = 3, NotFound = 4, Rejected = 5,
            Auth = 6, Network = 7, InDoubt = 8, Provider = 9, Internal = 10;
    }

    /// <summary>A failed call: Status is the VlStatus, Document the whole result JSON.</summary>
    public class VoucherLinkException : Exception
    {
        public uint Status { get; private set; }
        public string Document { get; private set; }
        /// <summary>The journal entry of an in-doubt or queued operation (keep it with the sale).</summary>
        public string JournalId { get; private set; }
        /// <summary>The provider's own text, verbatim.</summary>
        public string ProviderMessage { get; private set; }
        public string ProviderCode { get; private set; }

        public VoucherLinkException(uint status, string document)
            : base(MessageOf(status, document))
        {
            Status = status;
            Document = document;
            var error = ErrorOf(document);
            JournalId = Json.Str(error, "journal_id");
            ProviderMessage = Json.Str(error, "provider_message");
            ProviderCode = Json.Str(error, "provider_code");
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

    /// <summary>A client of one provider account. Share it between threads; Dispose it at the end.</summary>
    public sealed class VoucherLinkClient : IDisposable
    {
        private readonly VlClientHandle _handle;
#pragma warning disable 0414 // assigned only: it keeps the delegate alive while the library holds it
        private static NativeMethods.LogFn _logCallback;
#pragma warning restore 0414
        private static Action<int, string> _logSink;

        static VoucherLinkClient()
        {
            uint abi = NativeMethods.vl_abi_version();
            if (abi != NativeMethods.AbiVersion)
                throw new InvalidOperationException("voucherlink: library ABI " + abi + " does not match VoucherLink.cs ABI " + NativeMethods.AbiVersion);
        }

        /// <summary>The library version, vl_version().</summary>
        public static string Version { get { return NativeMethods.FromUtf8(NativeMethods.vl_version()); } }

        /// <summary>The name of a status code, vl_status_name(): "ok", "rejected", ...; "unknown".</summary>
        public static string StatusName(uint status) { return NativeMethods.FromUtf8(NativeMethods.vl_status_name(status)); }

        /// <summary>What vl_client_new said: provider, settings (no secrets), operations (JSON).</summary>
        public string Description { get; private set; }

        /// <summary>Creates a client from its JSON configuration; throws VoucherLinkException (VL_CONFIG).</summary>
        public VoucherLinkClient(string configJson)
        {
            IntPtr json;
            VlClientHandle handle;
            uint status = NativeMethods.vl_client_new(NativeMethods.Utf8(configJson), out handle, out json);
            string document = NativeMethods.TakeDocument(json);
            if (status != VlStatus.Ok)
            {
                handle.Dispose();
                throw new VoucherLinkException(status, document);
            }
            _handle = handle;
            Description = DataOf(document);
        }

        public void Dispose()
        {
            if (_handle != null) _handle.Dispose();
        }

        /// <summary>Sends log lines at minLevel and above (0 trace .. 4 error) to sink, process-wide;
        /// null turns logging off. Lines never contain secrets; voucher codes are masked.</summary>
        public static void SetLogger(Action<int, string> sink, int minLevel)
        {
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
                try { var s = _logSink; if (s != null) s((int)level, NativeMethods.FromUtf8(message)); }
                catch (Exception) { /* never throw into native code */ }
            };
            if (NativeMethods.vl_set_logger(callback, IntPtr.Zero, (uint)minLevel) != VlStatus.Ok)
                throw new ArgumentOutOfRangeException("minLevel");
            _logCallback = callback;
        }

        private string Call(NativeMethods.Operation operation, string requestJson)
        {
            IntPtr json;
            uint status = operation(_handle, NativeMethods.Utf8(requestJson ?? "{}"), out json);
            string document = NativeMethods.TakeDocument(json);
            if (status != VlStatus.Ok) throw new VoucherLinkException(status, document);
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

        // ---- One method per operation: request JSON in, the data object as JSON out ----

        public string Capabilities(string requestJson) { return Call(NativeMethods.vl_capabilities, requestJson); }
        public string Balance(string requestJson) { return Call(NativeMethods.vl_balance, requestJson); }
        public string Redeem(string requestJson) { return Call(NativeMethods.vl_redeem, requestJson); }
        public string CancelRedemption(string requestJson) { return Call(NativeMethods.vl_cancel_redemption, requestJson); }
        public string ActivationStatus(string requestJson) { return Call(NativeMethods.vl_activation_status, requestJson); }
        public string Activate(string requestJson) { return Call(NativeMethods.vl_activate, requestJson); }
        public string CancelActivation(string requestJson) { return Call(NativeMethods.vl_cancel_activation, requestJson); }
        public string DeactivationStatus(string requestJson) { return Call(NativeMethods.vl_deactivation_status, requestJson); }
        public string Deactivate(string requestJson) { return Call(NativeMethods.vl_deactivate, requestJson); }
        public string Issue(string requestJson) { return Call(NativeMethods.vl_issue, requestJson); }
        public string History(string requestJson) { return Call(NativeMethods.vl_history, requestJson); }
        public string MemberVouchers(string requestJson) { return Call(NativeMethods.vl_member_vouchers, requestJson); }
        public string Validate(string requestJson) { return Call(NativeMethods.vl_validate, requestJson); }
        public string SubmitOrder(string requestJson) { return Call(NativeMethods.vl_submit_order, requestJson); }
        public string Lock(string requestJson) { return Call(NativeMethods.vl_lock, requestJson); }
        public string Unlock(string requestJson) { return Call(NativeMethods.vl_unlock, requestJson); }
        public string Pending(string requestJson) { return Call(NativeMethods.vl_pending, requestJson); }
        public string Recover(string requestJson) { return Call(NativeMethods.vl_recover, requestJson); }

        // ---- Typed helpers for the common checkout ----

        /// <summary>Looks a voucher up.</summary>
        public VoucherInfo Balance(BalanceRequest request)
        {
            return new VoucherInfo(Balance(new JsonWriter().Add("code", request.Code).Add("reference", request.Reference).ToString()));
        }

        /// <summary>Takes Amount, or min(RemainingToPay, balance), from a voucher.</summary>
        public RedemptionInfo Redeem(RedeemRequest request)
        {
            return new RedemptionInfo(Redeem(new JsonWriter().Add("code", request.Code).Add("amount", request.Amount)
                .Add("remaining_to_pay", request.RemainingToPay).Add("reference", request.Reference).ToString()));
        }

        /// <summary>Gives a redemption back.</summary>
        public RedemptionInfo CancelRedemption(CancelRedemptionRequest request)
        {
            return new RedemptionInfo(CancelRedemption(new JsonWriter().Add("code", request.Code).Add("transaction_id", request.TransactionId)
                .Add("amount", request.Amount).Add("reference", request.Reference).ToString()));
        }
    }

    public sealed class BalanceRequest
    {
        public string Code;
        public string Reference;
    }

    public sealed class RedeemRequest
    {
        public string Code;
        /// <summary>Exactly this amount (refused if the voucher holds less)...</summary>
        public decimal? Amount;
        /// <summary>...or what the sale still needs: takes min(RemainingToPay, balance).</summary>
        public decimal? RemainingToPay;
        public string Reference;
    }

    public sealed class CancelRedemptionRequest
    {
        public string Code;
        public string TransactionId;
        public decimal? Amount;
        public string Reference;
    }

    /// <summary>A voucher as the provider sees it (vl_balance).</summary>
    public sealed class VoucherInfo
    {
        public string Provider, Code, Status, Currency, Message, ExpiresAt;
        public bool Redeemable;
        public decimal? Balance, InitialAmount;
        /// <summary>The check-balance slip (code, balance, total), in the configured language.</summary>
        public string[] ReceiptLines;
        /// <summary>The whole data document.</summary>
        public string Json;

        internal VoucherInfo(string json)
        {
            var d = VoucherLink.Json.Parse(json) as Dictionary<string, object>;
            Json = json;
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            Status = VoucherLink.Json.Str(d, "status");
            Currency = VoucherLink.Json.Str(d, "currency");
            Message = VoucherLink.Json.Str(d, "message");
            ExpiresAt = VoucherLink.Json.Str(d, "expires_at");
            Redeemable = VoucherLink.Json.Bool(d, "redeemable");
            Balance = VoucherLink.Json.Money(d, "balance");
            InitialAmount = VoucherLink.Json.Money(d, "initial_amount");
            ReceiptLines = VoucherLink.Json.Lines(d, "receipt_lines");
        }
    }

    /// <summary>Money taken from or given back to a voucher (vl_redeem, vl_cancel_redemption).</summary>
    public sealed class RedemptionInfo
    {
        public string Provider, Code, Currency, TransactionId;
        public decimal? Amount, Balance;
        public string[] ReceiptLines;
        /// <summary>The whole data document.</summary>
        public string Json;

        internal RedemptionInfo(string json)
        {
            var d = VoucherLink.Json.Parse(json) as Dictionary<string, object>;
            Json = json;
            Provider = VoucherLink.Json.Str(d, "provider");
            Code = VoucherLink.Json.Str(d, "code");
            Currency = VoucherLink.Json.Str(d, "currency");
            TransactionId = VoucherLink.Json.Str(d, "transaction_id");
            Amount = VoucherLink.Json.Money(d, "amount");
            Balance = VoucherLink.Json.Money(d, "balance");
            ReceiptLines = VoucherLink.Json.Lines(d, "receipt_lines");
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
        public static object Parse(string text)
        {
            int i = 0;
            object value = Value(text, ref i);
            Space(text, ref i);
            if (i != text.Length) throw new FormatException("trailing characters in JSON");
            return value;
        }

        public static Dictionary<string, object> Obj(object parent, string key)
        {
            var d = parent as Dictionary<string, object>;
            object v;
            return d != null && d.TryGetValue(key, out v) ? v as Dictionary<string, object> : null;
        }

        public static string Str(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) ? v as string : null;
        }

        public static bool Bool(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) && v is bool && (bool)v;
        }

        /// <summary>An amount (the library writes them as decimal strings), exactly.</summary>
        public static decimal? Money(Dictionary<string, object> d, string key)
        {
            var s = Str(d, key);
            if (s == null) return null;
            return decimal.Parse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
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
