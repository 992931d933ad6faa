// A whole checkout from C#: balance, redeem, cancel, at a till that takes e-guma vouchers and Treazure
// gift cards through one client (the library finds each scan's provider).
//   mcs -out:Checkout.exe ../VoucherLink.cs Checkout.cs && mono Checkout.exe http://127.0.0.1:PORT
// (start the simulator with `voucherlink sim` and pass the "root" URL it prints).

using System;
using VoucherLink;

static class Checkout
{
    static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: Checkout.exe <simulator URL: the \"root\" voucherlink sim prints>");
            return 2;
        }
        Console.WriteLine("voucherlink " + VoucherLinkClient.Version + ", " + (IntPtr.Size * 8) + "-bit process");
        string root = args[0];
        // This till's gift cards start with 628: a `codes` rule sends them to Treazure directly.
        string config = "{\"providers\":["
            + "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + root + "/eguma\"},"
            + "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"" + root + "/treazure\","
            + "\"codes\":{\"prefixes\":[\"628\"]}}],"
            + "\"pos_id\":\"KASSE-CS\"}";
        using (var till = new VoucherLinkClient(config))
        {
            decimal saleTotal = 80.00m;
            // Typed requests and results; decimals for money; one exception type per status.
            VoucherInfo card = till.Balance(new BalanceRequest { Code = "6280001234567890" });
            Console.WriteLine("Gift card: " + card.Currency + " " + card.Balance + " (" + card.Provider + ")");
            VoucherInfo voucher = till.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
            Console.WriteLine("Voucher " + voucher.Code + ": " + voucher.Currency + " " + voucher.Balance + " (" + voucher.Provider + ", " + voucher.Status + ")");
            RedemptionInfo taken = till.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = saleTotal, Reference = "CS-1001" });
            Console.WriteLine("Voucher pays " + taken.Currency + " " + taken.Amount + ", still to pay " + (saleTotal - taken.Amount));
            foreach (string line in taken.ReceiptLines) Console.WriteLine("  | " + line);
            RedemptionInfo back = till.CancelRedemption(new CancelRedemptionRequest { Code = taken.Code, TransactionId = taken.TransactionId, Amount = taken.Amount });
            Console.WriteLine("Sale voided: " + back.Amount + " back on the voucher, balance " + back.Balance);
            try
            {
                // Scan, look up, take: the lookup tells the library whose voucher it is.
                VoucherInfo used = till.Balance(new BalanceRequest { Code = "USED00000001" });
                till.Redeem(new RedeemRequest { Code = used.Code, Amount = 5.00m });
            }
            catch (RejectedException refused)
            {
                Console.WriteLine("Refused (" + refused.Kind + "): " + refused.Message);
            }
            catch (InDoubtException doubt)
            {
                // Never repeat it: the library settles it; keep the journal id with the sale.
                Console.WriteLine("In doubt, journal " + doubt.JournalId + ": " + doubt.Message);
            }
        }
        return 0;
    }
}
