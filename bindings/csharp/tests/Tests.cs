// Tests of VoucherLink.cs under Mono (mcs + mono), against the real library and the simulator
// process (`voucherlink sim`, path in VOUCHERLINK_BIN). Exit code 0 only if every check passed.
// Every operation is called through its typed method against the simulator.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using VoucherLink;

static class Tests
{
    static int failures;

    static void Check(bool ok, string what)
    {
        Console.WriteLine((ok ? "ok   " : "FAIL ") + what);
        if (!ok) failures++;
    }

    static T Fails<T>(Action action) where T : VoucherLinkException
    {
        try { action(); }
        catch (T e) { return e; }
        catch (Exception e) { Console.WriteLine("     unexpected " + e.GetType().Name + ": " + e.Message); }
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

    static void ArmFault(Dictionary<string, object> urls, string rule)
    {
        using (var web = new WebClient())
        {
            web.Headers[HttpRequestHeader.ContentType] = "application/json";
            web.UploadString(urls["root"] + "/__sim/fault", rule);
        }
    }

    static string Config(Dictionary<string, object> urls, string provider, string keys)
    {
        return "{\"provider\":\"" + provider + "\",\"base_url\":\"" + urls[provider] + "\"," + keys + "}";
    }

    static string Eguma(Dictionary<string, object> urls)
    {
        return Config(urls, "eguma", "\"api_key\":\"demo-outlet-1\",\"pos_id\":\"KASSE-CS\"");
    }

    static int Main()
    {
        Dictionary<string, object> urls;
        var sim = StartSimulator(out urls);
        try
        {
            Check(VoucherLinkClient.Version == Environment.GetEnvironmentVariable("VOUCHERLINK_VERSION"), "Version is vl_version(), Cargo.toml's version");
            Check(VoucherLinkClient.StatusName(VlStatus.InDoubt) == "in_doubt", "StatusName");
            Check(IntPtr.Size == 4 || IntPtr.Size == 8, "running as a " + (IntPtr.Size * 8) + "-bit process");
            JsonMethods(urls);
            EgumaOperations(urls);
            Treazure(urls);
            GonnaOrder(urls);
            Coupontools(urls);
            SeveralProviders(urls);
            Errors(urls);
            Journal(urls);
            Async(urls);
            Threads(urls);
            Surface();
        }
        finally
        {
            sim.Kill();
        }
        Console.WriteLine(failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>One till, four providers (docs/api.md §10): the library finds each scan's provider.</summary>
    static void SeveralProviders(Dictionary<string, object> urls)
    {
        Func<string, string, string> Entry = (provider, keys) => "{\"provider\":\"" + provider + "\",\"base_url\":\"" + urls[provider] + "\"," + keys + "}";
        string config = "{\"providers\":["
            + Entry("coupontools", "\"client_id\":\"ct\",\"client_secret\":\"secret\"") + ","
            + Entry("eguma", "\"api_key\":\"demo-outlet-1\"") + ","
            + Entry("treazure", "\"client_id\":\"pos\",\"client_secret\":\"secret\",\"codes\":{\"prefixes\":[\"628\"]}") + ","
            + Entry("gonnaorder", "\"store_id\":155,\"username\":\"pos@store.example\",\"password\":\"pw\"")
            + "],\"pos_id\":\"KASSE-CS\"}";
        using (var till = new VoucherLinkClient(config))
        {
            PreparedInfo prepared = till.Prepare();
            Check(prepared.Providers.Length == 4 && prepared.Providers.All(p => p.Ready) && prepared.Providers[1].Provider == "eguma",
                "Prepare opens the way to every provider");
            Check(till.Prepare(new PrepareRequest { Provider = "treazure" }).Providers.Length == 1, "Prepare of one provider");
            Check(till.PrepareAsync().Result.Providers.Length == 4, "PrepareAsync");
            CapabilitiesInfo caps = till.Capabilities();
            Check(caps.Provider == null && caps.Providers.Length == 4 && caps.Providers[2].Provider == "treazure"
                && caps.Providers[2].Operations.Contains("issue") && caps.Operations.Contains("validate"), "Capabilities of a till with four providers");
            Check(till.Balance(new BalanceRequest { Code = "6280001234567890" }).Provider == "treazure", "a card found by the till's codes rule");
            Check(till.Balance(new BalanceRequest { Code = "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d" }).Provider == "coupontools", "a coupon URL names its provider");
            Check(till.ActivationStatus(new ActivationStatusRequest { Code = "DEP0T0000001" }).Provider == "eguma", "ActivationStatusInfo.Provider");
            var refused = Fails<InvalidArgumentException>(() => till.Redeem(new RedeemRequest { Code = "2QH3QTDM28N6", Amount = 5.00m }));
            Check(refused != null && refused.Provider == null && string.Join(",", refused.Providers) == "coupontools,eguma,treazure",
                "money never goes to a guess: the candidates are named");
            VoucherInfo voucher = till.Balance(new BalanceRequest { Code = "2QH3-QTDM-28N6" });
            RedemptionInfo taken = till.Redeem(new RedeemRequest { Code = voucher.Code, Amount = 5.00m });
            Check(voucher.Provider == "eguma" && taken.Provider == "eguma" && taken.Balance == 95.00m, "looked up, then taken where it was found");
            RedemptionInfo back = till.CancelRedemption(new CancelRedemptionRequest { Code = "2QH3-QTDM-28N6", TransactionId = taken.TransactionId, Amount = taken.Amount });
            Check(back.Provider == "eguma" && back.Balance == 100.00m, "the cancel follows the code to its provider");
            Check(till.Balance(new BalanceRequest { Code = "L4FU5LQTKJR3", Provider = "eguma" }).Provider == "eguma", "Request.Provider names it");
            var unknown = Fails<NotFoundException>(() => till.Balance(new BalanceRequest { Code = "NOPE00000000" }));
            Check(unknown != null && unknown.Providers.Length == 3, "an unknown code names every provider asked");
        }
    }

    static void JsonMethods(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
            Check(client.Description.Contains("\"operations\"") && !client.Description.Contains("demo-outlet-1"), "Description without secrets");
            string raw = client.Balance("{\"code\":\"l4fu-5lqt-kjr3\"}");
            Check(raw.StartsWith("{\"provider\":\"eguma\"") && raw.Contains("\"balance\":\"50.00\""), "Balance(json) returns the data object");
            Check(client.Pending("{}") == "{\"entries\":[]}", "Pending(json)");
            var validated = RedemptionInfo.Parse("{\"provider\":\"x\",\"code\":\"c\",\"amount\":\"5.00\",\"balance\":null,\"currency\":null,\"transaction_id\":null,\"receipt_lines\":[]}");
            Check(validated.Amount == 5.00m && validated.Balance == null, "RedemptionInfo.Parse of a JSON document");
        }
    }

    static void EgumaOperations(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
            CapabilitiesInfo caps = client.Capabilities();
            Check(caps.Provider == "eguma" && caps.Operations.Contains("deactivate") && !caps.Operations.Contains("issue"), "typed Capabilities");

            VoucherInfo voucher = client.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
            Check(voucher.Code == "L4FU5LQTKJR3" && voucher.Balance == 50.00m && voucher.Redeemable && voucher.Currency == "CHF"
                && voucher.Status == VoucherStatus.Active && voucher.Restrictions.Length == 0, "typed Balance");
            Check(voucher.ReceiptLines.Length == 3 && voucher.ReceiptLines[0] == "e-guma voucher L4FU5LQTKJR3" && voucher.ReceiptLines[2] == "Total value CHF 50.00",
                "the check-balance slip: code in full (e-guma), balance, total");
            VoucherInfo german = client.Balance(new BalanceRequest { Code = "L4FU5LQTKJR3", Language = "de" });
            Check(german.ReceiptLines[1] == "Restguthaben CHF 50.00", "a request in another language");

            RedemptionInfo taken = client.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = 80.00m, Reference = "CS-1" });
            Check(taken.Amount == 50.00m && taken.Balance == 0m && taken.TransactionId != null, "typed Redeem takes min(remaining, balance)");
            Check(taken.ReceiptLines.Length == 3 && taken.ReceiptLines[1] == "Redeemed CHF 50.00", "receipt lines");
            RedemptionInfo back = client.CancelRedemption(new CancelRedemptionRequest { Code = taken.Code, TransactionId = taken.TransactionId, Amount = taken.Amount });
            Check(back.Balance == 50.00m && back.ReceiptLines[1] == "Cancelled CHF 50.00", "typed CancelRedemption");

            ActivationStatusInfo sellable = client.ActivationStatus(new ActivationStatusRequest { Code = "DEP0T0000002" });
            Check(sellable.CanActivate && sellable.FreeAmount && sellable.Amount == null, "typed ActivationStatus");
            VoucherInfo sold = client.Activate(new ActivateRequest { Code = "DEP0T0000002", Amount = 25.00m });
            Check(sold.Status == VoucherStatus.Active && sold.Balance == 25.00m && sold.ReceiptLines.Contains("VAT 0% (voucher sale)"), "typed Activate (VAT 0 line)");
            DeactivationStatusInfo returnable = client.DeactivationStatus(new DeactivationStatusRequest { Code = "DEP0T0000002" });
            Check(returnable.CanDeactivate && returnable.Amount == 25.00m, "typed DeactivationStatus");
            VoucherInfo taken_back = client.Deactivate(new DeactivateRequest { Code = "DEP0T0000002", Reason = "customer changed their mind" });
            Check(taken_back.Status == VoucherStatus.Created && !taken_back.Redeemable, "typed Deactivate");
        }
    }

    static void Treazure(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Config(urls, "treazure", "\"client_id\":\"pos\",\"client_secret\":\"secret\",\"utc_offset\":\"+01:00\"")))
        {
            VoucherInfo card = client.Balance(new BalanceRequest { SerialNumber = "100200", ScratchCode = "8391" });
            Check(card.Code == "6280001234567890" && card.Balance == 25.00m && card.Currency == "EUR", "typed Balance by serial number and scratch code");
            VoucherInfo wine = client.Balance(new BalanceRequest { Code = "6280002222222222" });
            Check(wine.Restrictions.Length == 1 && wine.Restrictions[0].Kind == "article_set" && wine.Restrictions[0].Code == "WINE-ONLY", "restrictions");
            VoucherInfo old = client.Balance(new BalanceRequest { Code = "6280003333333333" });
            Check(old.ExpiresAt == new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) && old.ExpiresAtText == "2020-01-01T00:00:00Z", "expiry as DateTimeOffset");

            VoucherInfo sold = client.Activate(new ActivateRequest { Code = "6280001111111111", Amount = 30.00m });
            Check(sold.Status == VoucherStatus.Active && sold.Balance == 30.00m && sold.TransactionId != null, "typed Activate (Treazure)");
            VoucherInfo unsold = client.CancelActivation(new CancelActivationRequest { Code = sold.Code, TransactionId = sold.TransactionId });
            Check(unsold.Balance == 0m, "typed CancelActivation");
            VoucherInfo issued = client.Issue(new IssueRequest { Amount = 15.00m });
            Check(issued.Code != null && issued.Balance == 15.00m, "typed Issue");
            client.Redeem(new RedeemRequest { Code = "6280001234567890", Amount = 5.00m, Reference = "CS-7" });
            HistoryInfo history = client.History(new HistoryRequest { Code = "6280001234567890" });
            Check(history.Code == "6280001234567890" && history.Entries.Any(e => e.Mutation == -5.00m), "typed History");
        }
    }

    static void GonnaOrder(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Config(urls, "gonnaorder", "\"store_id\":155,\"username\":\"pos@store.example\",\"password\":\"pw\"")))
        {
            MemberVouchersInfo member = client.MemberVouchers(new MemberVouchersRequest { MemberCode = "M-1" });
            Check(member.Member.Name == "John Doe" && member.Vouchers.Any(v => v.Code == "PCT10" && v.Type == DiscountType.Percentage && v.Discount == 10m),
                "typed MemberVouchers");
            ValidationInfo check = client.Validate(new ValidateRequest { Code = "PCT10", OrderTotal = 19.95m });
            Check(check.Valid && check.Discount == 2.00m && check.TotalAfterDiscount == 17.95m && check.Voucher.Code == "PCT10", "typed Validate");
            OrderAcceptedInfo accepted = client.SubmitOrder(new SubmitOrderRequest
            {
                OrderId = "CS-ORDER-1", OrderTotal = 19.95m, Discount = check.Discount, TotalAfterDiscount = check.TotalAfterDiscount, Code = "PCT10",
            });
            Check(accepted.Accepted, "typed SubmitOrder");
        }
    }

    static void Coupontools(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Config(urls, "coupontools", "\"client_id\":\"ct\",\"client_secret\":\"secret\"")))
        {
            VoucherInfo locked = client.Lock(new LockRequest { Code = "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d" });
            Check(locked.Status == VoucherStatus.Locked, "typed Lock");
            VoucherInfo unlocked = client.Unlock(new UnlockRequest { Code = "kkfiznr8Yp8630h82es8d" });
            Check(unlocked.Status == VoucherStatus.Active, "typed Unlock");
            RedemptionInfo validated = client.Redeem(new RedeemRequest { Code = "kkfiznr8Yp8630h82es8d", MoneySpent = 30.00m });
            Check(validated.Amount == 5.00m && validated.ReceiptLines[0] == "Coupon ********es8d", "typed Redeem of a coupon");
            var again = Fails<RejectedException>(() => client.Redeem(new RedeemRequest { Code = "kkfiznr8Yp8630h82es8d" }));
            Check(again != null && again.Message.StartsWith("The coupon was already used at") && again.ProviderCode == "330", "a used coupon: RejectedException with the date");
        }
    }

    static void Errors(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
            var used = Fails<RejectedException>(() => client.Redeem(new RedeemRequest { Code = "USED00000001", Amount = 1m }));
            Check(used != null && used.Status == VlStatus.Rejected && used.Kind == VoucherLinkStatus.Rejected && used.Message == "Der Gutschein wurde bereits eingelöst.",
                "RejectedException with the provider's UTF-8 text");
            Check(used != null && used.Document.Contains("\"status\":\"rejected\"") && used.ProviderMessage == used.Message && used.Provider == "eguma", "Document and ProviderMessage");
            var precise = Fails<InvalidArgumentException>(() => client.Redeem(new RedeemRequest { Code = "L4FU5LQTKJR3", Amount = 1.005m }));
            Check(precise != null && precise.Message.Contains("`amount`"), "too many decimals -> InvalidArgumentException naming the field");
            Check(Fails<InvalidArgumentException>(() => client.Balance("{\"code\":")) != null, "malformed JSON -> InvalidArgumentException");
            Check(Fails<UnsupportedException>(() => client.Issue(new IssueRequest { Amount = 5.00m })) != null, "Issue on e-guma -> UnsupportedException");
            var unknown = Fails<NotFoundException>(() => client.ActivationStatus(new ActivationStatusRequest { Code = "NOSUCHVOUCHER1" }));
            Check(unknown != null && unknown.HttpStatus == 400 && unknown.Message == "Der Gutschein ist nicht vorhanden.", "an unknown depot voucher -> NotFoundException");
            Check(Fails<VoucherLinkException>(() => client.Balance(new BalanceRequest { Code = "USED00000001", Language = "tlh" })) is InvalidArgumentException, "a bad language -> InvalidArgumentException");
        }
        var config = Fails<ConfigException>(() => new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"k\",\"timeout\":1}"));
        Check(config != null && config.Status == VlStatus.Config && config.Message.Contains("`timeout`"), "unknown configuration key -> ConfigException");
        using (var nowhere = new VoucherLinkClient("{\"provider\":\"eguma\",\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:1\",\"timeout_ms\":2000}"))
        {
            Check(Fails<NetworkException>(() => nowhere.Balance(new BalanceRequest { Code = "L4FU5LQTKJR3" })) != null, "nothing listening -> NetworkException");
        }
        var disposed = new VoucherLinkClient(Eguma(urls));
        disposed.Dispose();
        bool threw = false;
        try { disposed.Balance("{\"code\":\"L4FU5LQTKJR3\"}"); }
        catch (ObjectDisposedException) { threw = true; }
        Check(threw, "a disposed client throws ObjectDisposedException");
    }

    static void Journal(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
            Check(client.Pending().Entries.Length == 0 && client.Recover().Resolved.Length == 0, "typed Pending and Recover, nothing open");
            // The redeem's answer is lost and e-guma shows no effect: it may still land, so it is in doubt.
            ArmFault(urls, "{\"provider\":\"eguma\",\"operation\":\"redeem\",\"fault\":\"drop_before_commit\"}");
            var doubt = Fails<InDoubtException>(() => client.Redeem(new RedeemRequest { Code = "2QH3QTDM28N6", Amount = 10.00m, Reference = "CS-DOUBT" }));
            Check(doubt != null && doubt.JournalId != null && doubt.JournalId.StartsWith("vl-"), "a lost answer -> InDoubtException with JournalId");
            if (doubt == null) return;
            PendingInfo pending = client.Pending();
            Check(pending.Entries.Length == 1 && pending.Entries[0].JournalId == doubt.JournalId && pending.Entries[0].State == JournalState.InDoubt
                && pending.Entries[0].Amount == 10.00m && pending.Entries[0].Reference == "CS-DOUBT" && pending.Entries[0].CreatedAt.HasValue
                && pending.Entries[0].MayLandUntil > DateTimeOffset.UtcNow, "the in-doubt entry in Pending, typed");
            RecoverInfo still = client.Recover(new RecoverRequest { JournalId = doubt.JournalId });
            Check(still.StillPending.Length == 1 && still.Resolved.Length == 0, "Recover of one entry: still pending within the window");
            RecoverInfo settled = client.Recover(new RecoverRequest { JournalId = doubt.JournalId, Outcome = RecoverOutcome.Failed });
            Check(settled.Resolved.Length == 1 && settled.Resolved[0].State == JournalState.Failed, "settled by hand");
            Check(client.Balance(new BalanceRequest { Code = "2QH3QTDM28N6" }).Balance == 100.00m, "nothing was taken");
        }
    }

    static void Async(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
            VoucherInfo voucher = client.BalanceAsync(new BalanceRequest { Code = "L4FU5LQTKJR3" }).Result;
            Check(voucher.Balance == 50.00m, "BalanceAsync");
            try
            {
                client.RedeemAsync(new RedeemRequest { Code = "USED00000001", Amount = 1m }).Wait();
                Check(false, "RedeemAsync of a used voucher fails");
            }
            catch (AggregateException e)
            {
                Check(e.InnerException is RejectedException, "RedeemAsync fails with RejectedException");
            }
            // A slow provider: cancelling stops the waiting (and says the call itself runs on).
            ArmFault(urls, "{\"provider\":\"eguma\",\"operation\":\"balance\",\"fault\":{\"delay_ms\":1500}}");
            var cancel = new CancellationTokenSource(100);
            var watch = Stopwatch.StartNew();
            var task = client.BalanceAsync(new BalanceRequest { Code = "L4FU5LQTKJR3" }, cancel.Token);
            Exception stopped = null;
            try { task.Wait(); }
            catch (AggregateException e) { stopped = e.InnerException; }
            Check(stopped is OperationCanceledException && watch.ElapsedMilliseconds < 1000 && stopped.Message.Contains("runs to its deadline"),
                "a cancelled token stops the waiting and says the call runs on (" + watch.ElapsedMilliseconds + " ms)");
            Thread.Sleep(1700);
        }
    }

    static void Threads(Dictionary<string, object> urls)
    {
        using (var client = new VoucherLinkClient(Eguma(urls)))
        {
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
            var levels = new List<LogLevel>();
            VoucherLinkClient.SetLogger((level, line) => { lock (lines) { lines.Add(line); levels.Add(level); } }, LogLevel.Trace);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            client.Balance(new BalanceRequest { Code = "L4FU5LQTKJR3" });
            VoucherLinkClient.SetLogger((Action<LogLevel, string>)null, LogLevel.Trace);
            string all = string.Join("\n", lines.ToArray());
            Check(all.Contains("********KJR3") && !all.Contains("L4FU5LQTKJR3") && !all.Contains("demo-outlet-1") && levels.Contains(LogLevel.Debug),
                "log lines arrive with their level, masked, without secrets");
        }
    }

    static void Surface()
    {
        // Every operation of the C ABI has its JSON method, its typed method and its Async method.
        string[] operations = { "Capabilities", "Balance", "Redeem", "CancelRedemption", "ActivationStatus", "Activate", "CancelActivation",
            "DeactivationStatus", "Deactivate", "Issue", "History", "MemberVouchers", "Validate", "SubmitOrder", "Lock", "Unlock", "Pending", "Recover" };
        var type = typeof(VoucherLinkClient);
        var missing = operations.Where(o => type.GetMethod(o, new[] { typeof(string) }) == null
            || type.GetMethod(o, new[] { Assembly.GetAssembly(type).GetType("VoucherLink." + o + "Request") }) == null
            || type.GetMethod(o + "Async") == null).ToList();
        Check(missing.Count == 0, "JSON, typed and Async methods per operation" + (missing.Count > 0 ? ": missing " + string.Join(", ", missing.ToArray()) : ""));
        var subclasses = new[] { typeof(InvalidArgumentException), typeof(ConfigException), typeof(UnsupportedException), typeof(NotFoundException),
            typeof(RejectedException), typeof(AuthException), typeof(NetworkException), typeof(InDoubtException), typeof(ProviderException), typeof(InternalException) };
        Check(subclasses.All(t => t.BaseType == typeof(VoucherLinkException)), "one exception subclass per status");
    }
}
