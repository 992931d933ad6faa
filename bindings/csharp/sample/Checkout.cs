// A whole checkout from C#: balance, redeem, cancel.
//   mcs -out:Checkout.exe ../VoucherLink.cs Checkout.cs && mono Checkout.exe http://127.0.0.1:PORT/eguma
// (start the simulator with `voucherlink sim` and pass its e-guma URL).

using System;
using VoucherLink;

static class Checkout
{
    static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: Checkout.exe <e-guma base URL>");
            return 2;
        }
        Console.WriteLine("voucherlink " + VoucherLinkClient.Version + ", " + (IntPtr.Size * 8) + "-bit process");
        string config = "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + args[0] + "\",\"pos_id\":\"KASSE-CS\"}";
        using (var till = new VoucherLinkClient(config))
        {
            decimal saleTotal = 80.00m;
            // Typed requests and results; decimals for money; one exception type per status.
            VoucherInfo voucher = till.Balance(new BalanceRequest { Code = "L4FU-5LQT-KJR3" });
            Console.WriteLine("Voucher " + voucher.Code + ": " + voucher.Currency + " " + voucher.Balance + " (" + voucher.Status + ")");
            RedemptionInfo taken = till.Redeem(new RedeemRequest { Code = voucher.Code, RemainingToPay = saleTotal, Reference = "CS-1001" });
            Console.WriteLine("Voucher pays " + taken.Currency + " " + taken.Amount + ", still to pay " + (saleTotal - taken.Amount));
            foreach (string line in taken.ReceiptLines) Console.WriteLine("  | " + line);
            RedemptionInfo back = till.CancelRedemption(new CancelRedemptionRequest { Code = taken.Code, TransactionId = taken.TransactionId, Amount = taken.Amount });
            Console.WriteLine("Sale voided: " + back.Amount + " back on the voucher, balance " + back.Balance);
            try
            {
                till.Redeem(new RedeemRequest { Code = "USED00000001", Amount = 5.00m });
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
