// Tests of VoucherLink.cs under Mono (mcs + mono), against the real library and the simulator
// process (`voucherlink sim`, path in VOUCHERLINK_BIN). Exit code 0 only if every check passed.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using VoucherLink;

static class Tests
{
    static int failures;

    static void Check(bool ok, string what)
    {
        Console.WriteLine((ok ? "ok   " : "FAIL ") + what);
        if (!ok) failures++;
    }

    static VoucherLinkException Fails(Action action)
    {
        try { action(); }
        catch (VoucherLinkException e) { return e; }
        return null;
    }

    static Process StartSimulator(out Dictionary<string, object> urls)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("VOUCHERLINK_BIN"), "sim --listen 127.0.0.1:0")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(info);
        urls = (Dictionary<string, object>)Json.Parse(process.StandardOutput.ReadLine());
        return process;
    }

    static string Eguma(Dictionary<string, object> urls)
    {
        return "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + urls["eguma"] + "\",\"pos_id\":\"KASSE-CS\"}";
    }

    static int Main()
    {
        Dictionary<string, object> urls;
        var sim = StartSimulator(out urls);
        try
        {
            Check(VoucherLinkClient.Version == "0.1.0", "Version is vl_version()");
            Check(IntPtr.Size == 4 || IntPtr.Size == 8, "running as a " + (IntPtr.Size * 8) + "-bit process");

            using (var client = new VoucherLinkClient(Eguma(urls)))
            {
                Check(client.Description.Contains("\"operations\"") && !client.Description.Contains("demo-outlet-1"), "Description without secrets");

                // JSON in, data JSON out.
                string raw = client.Balance("{\"code\":\"l4fu-5lqt-kjr3\"}");
                Check(raw.StartsWith("{\"provider\":\"eguma\"") && raw.Contains("\"balance\":\"50.00\""), "Balance(json) returns the data object");

                // Typed checkout with decimals.
                VoucherInfo voucher = client.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
                Check(voucher.Code == "L4FU5LQTKJR3" && voucher.Balance == 50.00m && voucher.Redeemable && voucher.Currency == "CHF", "typed Balance");
                Check(voucher.ReceiptLines.Length == 3 && voucher.ReceiptLines[0] == "e-guma voucher L4FU5LQTKJR3" && voucher.ReceiptLines[2] == "Total value CHF 50.00", "the check-balance slip: code in full (e-guma), balance, total");
                RedemptionInfo taken = client.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = 80.00m, Reference = "CS-1" });
                Check(taken.Amount == 50.00m && taken.Balance == 0m && taken.TransactionId != null, "typed Redeem takes min(remaining, balance)");
                Check(taken.ReceiptLines.Length == 3 && taken.ReceiptLines[1] == "Redeemed CHF 50.00", "receipt lines");
                RedemptionInfo back = client.CancelRedemption(new CancelRedemptionRequest { Code = taken.Code, TransactionId = taken.TransactionId, Amount = taken.Amount });
                Check(back.Balance == 50.00m, "typed CancelRedemption");

                // Errors carry the status and the document; non-ASCII text survives the UTF-8 round trip.
                var used = Fails(() => client.Redeem(new RedeemRequest { Code = "USED00000001", Amount = 1m }));
                Check(used != null && used.Status == VlStatus.Rejected && used.Message == "Der Gutschein wurde bereits eingelöst.", "VL_REJECTED with the provider's UTF-8 text");
                Check(used != null && used.Document.Contains("\"status\":\"rejected\"") && used.ProviderMessage == used.Message, "Document and ProviderMessage");
                var precise = Fails(() => client.Redeem(new RedeemRequest { Code = "L4FU5LQTKJR3", Amount = 1.005m }));
                Check(precise != null && precise.Status == VlStatus.InvalidArgument && precise.Message.Contains("`amount`"), "too many decimals -> VL_INVALID_ARGUMENT naming the field");
                var malformed = Fails(() => client.Balance("{\"code\":"));
                Check(malformed != null && malformed.Status == VlStatus.InvalidArgument, "malformed JSON -> VL_INVALID_ARGUMENT");
                var unsupported = Fails(() => client.Issue("{\"amount\":\"5.00\"}"));
                Check(unsupported != null && unsupported.Status == VlStatus.Unsupported, "vl_issue on e-guma -> VL_UNSUPPORTED");
                Check(client.Pending("{}") == "{\"entries\":[]}", "Pending");

                // One client, several threads.
                int ok = 0;
                var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
                {
                    for (int i = 0; i < 5; i++)
                    {
                        client.Redeem(new RedeemRequest { Code = "2QH3QTDM28N6", Amount = 1.25m });
                        Interlocked.Increment(ref ok);
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Check(ok == 20 && client.Balance(new BalanceRequest { Code = "2QH3QTDM28N6" }).Balance == 75.00m, "4 threads x 5 redeems on one client");

                // The log callback, kept alive against the garbage collector.
                var lines = new List<string>();
                VoucherLinkClient.SetLogger((level, line) => { lock (lines) lines.Add(line); }, 0);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                client.Balance(new BalanceRequest { Code = "L4FU5LQTKJR3" });
                VoucherLinkClient.SetLogger(null, 0);
                string all = string.Join("\n", lines.ToArray());
                Check(all.Contains("********KJR3") && !all.Contains("L4FU5LQTKJR3") && !all.Contains("demo-outlet-1"), "log lines arrive, masked, without secrets");
            }

            var config = Fails(() => new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"k\",\"timeout\":1}"));
            Check(config != null && config.Status == VlStatus.Config && config.Message.Contains("`timeout`"), "unknown configuration key -> VL_CONFIG");

            var disposed = new VoucherLinkClient(Eguma(urls));
            disposed.Dispose();
            bool threw = false;
            try { disposed.Balance("{\"code\":\"L4FU5LQTKJR3\"}"); }
            catch (ObjectDisposedException) { threw = true; }
            Check(threw, "a disposed client throws ObjectDisposedException");

            using (var coupons = new VoucherLinkClient("{\"provider\":\"coupontools\",\"client_id\":\"ct\",\"client_secret\":\"secret\",\"base_url\":\"" + urls["coupontools"] + "\"}"))
            {
                coupons.Lock("{\"code\":\"https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d\"}");
                var validated = new RedemptionInfo(coupons.Redeem("{\"code\":\"kkfiznr8Yp8630h82es8d\",\"money_spent\":\"30.00\"}"));
                Check(validated.Amount == 5.00m, "Coupontools through C#");
            }

            // Every operation of the C ABI has its method.
            string[] operations = { "Capabilities", "Balance", "Redeem", "CancelRedemption", "ActivationStatus", "Activate", "CancelActivation",
                "DeactivationStatus", "Deactivate", "Issue", "History", "MemberVouchers", "Validate", "SubmitOrder", "Lock", "Unlock", "Pending", "Recover" };
            var missing = operations.Where(o => typeof(VoucherLinkClient).GetMethod(o, new[] { typeof(string) }) == null).ToList();
            Check(missing.Count == 0, "one method per operation" + (missing.Count > 0 ? ": missing " + string.Join(", ", missing.ToArray()) : ""));
        }
        finally
        {
            sim.Kill();
        }
        Console.WriteLine(failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }
}
