import io.voucherlink.InDoubtException;
import io.voucherlink.RejectedException;
import io.voucherlink.VoucherLinkClient;
import io.voucherlink.VoucherLinkException;

/**
 * A whole checkout from Java: balance, redeem, cancel, at a till that takes e-guma vouchers and
 * Treazure gift cards through one client (the library finds each scan's provider).
 *
 * <pre>
 *   javac -cp voucherlink.jar:jna.jar Checkout.java
 *   java -cp voucherlink.jar:jna.jar:. Checkout http://127.0.0.1:PORT   (the "root" voucherlink sim prints)
 * </pre>
 *
 * A real till reads the answers with its JSON library (Jackson, Gson, org.json); this sample picks
 * the few fields it shows out of the text, to need nothing but the jar and JNA.
 */
public final class Checkout {
    private Checkout() {
    }

    /** The text of a string or number member of a JSON document (a till uses its JSON library). */
    static String field(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        int start = at + key.length() + 3;
        if (json.charAt(start) == '"') {
            return json.substring(start + 1, json.indexOf('"', start + 1));
        }
        int end = start;
        while (",}".indexOf(json.charAt(end)) < 0) {
            end++;
        }
        return json.substring(start, end);
    }

    public static void main(String[] args) throws VoucherLinkException {
        if (args.length != 1) {
            System.err.println("usage: java Checkout <simulator URL: the \"root\" that voucherlink sim prints>");
            System.exit(2);
        }
        String root = args[0];
        System.out.println("voucherlink " + VoucherLinkClient.getVersion());
        // This till's gift cards start with 628: a `codes` rule sends them to Treazure directly.
        String config = "{\"providers\":["
            + "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + root + "/eguma\"},"
            + "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"" + root + "/treazure\","
            + "\"codes\":{\"prefixes\":[\"628\"]}}],\"pos_id\":\"KASSE-JAVA\"}";
        try (VoucherLinkClient till = new VoucherLinkClient(config)) {
            till.prepare("{}");   // the payment screen opens: connections and tokens now
            String card = till.balance("{\"code\":\"6280001234567890\"}");
            System.out.println("Gift card: EUR " + field(card, "balance") + " (" + field(card, "provider") + ")");
            String voucher = till.balance("{\"code\":\"L4FU-5LQT-KJR3\"}");
            String code = field(voucher, "code");
            System.out.println("Voucher " + code + ": CHF " + field(voucher, "balance") + " (" + field(voucher, "provider") + ")");
            String taken = till.redeem("{\"code\":\"" + code + "\",\"remaining_to_pay\":\"80.00\",\"reference\":\"JAVA-1001\"}");
            System.out.println("Voucher pays CHF " + field(taken, "amount") + ", balance CHF " + field(taken, "balance"));
            String back = till.cancelRedemption("{\"code\":\"" + code + "\",\"transaction_id\":\"" + field(taken, "transaction_id")
                + "\",\"amount\":\"" + field(taken, "amount") + "\"}");
            System.out.println("Sale voided: balance CHF " + field(back, "balance"));
            try {
                // Scan, look up, take: the lookup tells the library whose voucher it is.
                String used = till.balance("{\"code\":\"USED00000001\"}");
                till.redeem("{\"code\":\"" + field(used, "code") + "\",\"amount\":\"5.00\"}");
                System.out.println("unexpected: a used voucher paid");
                System.exit(1);
            } catch (RejectedException refused) {
                System.out.println("Refused as expected: " + refused.getMessage());
            } catch (InDoubtException doubt) {
                // Never repeat it: the library settles it; keep the journal id with the sale.
                System.out.println("In doubt, journal " + doubt.getJournalId());
            }
        }
    }
}
