package io.voucherlink;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tests of the Java binding against the real library and the simulator process ({@code voucherlink
 * sim}, its path in VOUCHERLINK_BIN): every operation, every exception class, a till with several
 * providers, threads sharing a client, and the memory of a million calls. Exit code 0 only if every
 * check passed.
 */
public final class Tests {
    private static int failures;

    private Tests() {
    }

    static void check(boolean ok, String what) {
        System.out.println((ok ? "ok   " : "FAIL ") + what);
        if (!ok) {
            failures++;
        }
    }

    interface Call {
        void run() throws VoucherLinkException;
    }

    /** The exception a call throws, or null (and a failed check) when it throws none. */
    static <T extends VoucherLinkException> T fails(Class<T> type, Call call) {
        try {
            call.run();
        } catch (VoucherLinkException e) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
            System.out.println("     unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return null;
    }

    static String root;

    static String url(String provider) {
        return root + "/" + provider;
    }

    static void armFault(String rule) throws Exception {
        HttpURLConnection post = (HttpURLConnection) new URL(root + "/__sim/fault").openConnection();
        post.setRequestMethod("POST");
        post.setDoOutput(true);
        post.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = post.getOutputStream()) {
            out.write(rule.getBytes(StandardCharsets.UTF_8));
        }
        check(post.getResponseCode() == 200, "fault armed: " + rule);
    }

    static String eguma() {
        return "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + url("eguma") + "\",\"pos_id\":\"KASSE-J\"}";
    }

    public static void main(String[] args) throws Exception {
        Process sim = new ProcessBuilder(System.getenv("VOUCHERLINK_BIN"), "sim", "--listen", "127.0.0.1:0").start();
        try {
            String ready = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8)).readLine();
            root = Json.text(ready, "root");
            check(VoucherLinkClient.getVersion().matches("\\d+\\.\\d+\\.\\d+"), "getVersion: " + VoucherLinkClient.getVersion());
            check(VoucherLinkClient.statusName(8).equals("in_doubt"), "statusName");
            eguma();
            everyEgumaOperation();
            everyTreazureOperation();
            gonnaOrderAndCoupontools();
            oneTillWithEveryProvider();
            everyException();
            threads();
            logging();
            memory();
        } finally {
            sim.destroy();
        }
        System.out.println(failures + " failure(s)");
        System.exit(failures == 0 ? 0 : 1);
    }

    static void everyEgumaOperation() throws Exception {
        try (VoucherLinkClient till = new VoucherLinkClient(eguma())) {
            check(till.getDescription().contains("\"operations\"") && !till.getDescription().contains("demo-outlet-1"),
                "getDescription, without secrets");
            check(till.prepare("{}").contains("\"ready\":true"), "prepare");
            check(till.capabilities("{}").contains("\"deactivate\""), "capabilities");
            String voucher = till.balance("{\"code\":\"l4fu-5lqt-kjr3\"}");
            check(Json.text(voucher, "code").equals("L4FU5LQTKJR3") && Json.text(voucher, "balance").equals("50.00"), "balance");
            String taken = till.redeem("{\"code\":\"L4FU5LQTKJR3\",\"remaining_to_pay\":\"80.00\",\"reference\":\"J-1\"}");
            check(Json.text(taken, "amount").equals("50.00") && Json.text(taken, "balance").equals("0.00"), "redeem");
            String back = till.cancelRedemption("{\"code\":\"L4FU5LQTKJR3\",\"transaction_id\":\"" + Json.text(taken, "transaction_id")
                + "\",\"amount\":\"50.00\"}");
            check(Json.text(back, "balance").equals("50.00"), "cancelRedemption");
            check(till.activationStatus("{\"code\":\"DEP0T0000002\"}").contains("\"can_activate\":true"), "activationStatus");
            check(Json.text(till.activate("{\"code\":\"DEP0T0000002\",\"amount\":\"25.00\"}"), "balance").equals("25.00"), "activate");
            check(till.deactivationStatus("{\"code\":\"DEP0T0000002\"}").contains("\"can_deactivate\":true"), "deactivationStatus");
            check(Json.text(till.deactivate("{\"code\":\"DEP0T0000002\",\"reason\":\"test\"}"), "status").equals("created"), "deactivate");
            check(till.pending("{}").equals("{\"entries\":[]}"), "pending");
            check(till.recover("{}").contains("\"resolved\":[]"), "recover");
        }
    }

    static void everyTreazureOperation() throws Exception {
        String config = "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"" + url("treazure") + "\"}";
        try (VoucherLinkClient till = new VoucherLinkClient(config)) {
            String card = till.balance("{\"serial_number\":\"100200\",\"scratch_code\":\"8391\"}");
            check(Json.text(card, "code").equals("6280001234567890"), "balance by serial number and scratch code");
            String sold = till.activate("{\"code\":\"6280001111111111\",\"amount\":\"30.00\"}");
            check(Json.text(sold, "balance").equals("30.00"), "activate (load)");
            check(Json.text(till.cancelActivation("{\"code\":\"6280001111111111\",\"transaction_id\":\"" + Json.text(sold, "transaction_id") + "\"}"),
                "code").equals("6280001111111111"), "cancelActivation");
            String issued = till.issue("{\"amount\":\"15.00\"}");
            check(Json.text(issued, "balance").equals("15.00"), "issue");
            check(till.history("{\"code\":\"6280001234567890\",\"condensed\":true}").contains("\"entries\""), "history");
        }
    }

    static void gonnaOrderAndCoupontools() throws Exception {
        String go = "{\"provider\":\"gonnaorder\",\"store_id\":155,\"username\":\"pos@store.example\",\"password\":\"pw\",\"base_url\":\"" + url("gonnaorder") + "\"}";
        try (VoucherLinkClient till = new VoucherLinkClient(go)) {
            check(till.memberVouchers("{\"member_code\":\"M-1\"}").contains("\"XYZ\""), "memberVouchers");
            String valid = till.validate("{\"code\":\"WELCOME5\",\"order_total\":\"20.00\"}");
            check(Json.text(valid, "total_after_discount").equals("15.00"), "validate");
            check(till.submitOrder("{\"order_id\":\"J-7\",\"order_total\":\"20.00\",\"discount\":\"5.00\",\"total_after_discount\":\"15.00\",\"code\":\"WELCOME5\"}")
                .contains("\"accepted\":true"), "submitOrder");
        }
        String ct = "{\"provider\":\"coupontools\",\"client_id\":\"ct\",\"client_secret\":\"secret\",\"base_url\":\"" + url("coupontools") + "\"}";
        try (VoucherLinkClient till = new VoucherLinkClient(ct)) {
            check(Json.text(till.lock("{\"code\":\"kkfiznr8Yp8630h82es8d\"}"), "status").equals("locked"), "lock");
            check(Json.text(till.unlock("{\"code\":\"kkfiznr8Yp8630h82es8d\"}"), "status").equals("active"), "unlock");
        }
    }

    static void oneTillWithEveryProvider() throws Exception {
        String config = "{\"providers\":["
            + "{\"provider\":\"coupontools\",\"client_id\":\"ct\",\"client_secret\":\"secret\",\"base_url\":\"" + url("coupontools") + "\"},"
            + "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + url("eguma") + "\"},"
            + "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"" + url("treazure") + "\","
            + "\"codes\":{\"prefixes\":[\"628\"]}},"
            + "{\"provider\":\"gonnaorder\",\"store_id\":155,\"username\":\"pos@store.example\",\"password\":\"pw\",\"base_url\":\"" + url("gonnaorder") + "\"}],"
            + "\"pos_id\":\"KASSE-J\"}";
        try (VoucherLinkClient till = new VoucherLinkClient(config)) {
            check(till.prepare("{}").split("\"ready\":true", -1).length == 5, "prepare: four providers ready");
            check(Json.text(till.balance("{\"code\":\"6280002222222222\"}"), "provider").equals("treazure"), "a card found by its codes rule");
            check(Json.text(till.balance("{\"code\":\"https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d\"}"), "provider").equals("coupontools"),
                "a coupon URL names its provider");
            InvalidArgumentException guess = fails(InvalidArgumentException.class, () -> till.redeem("{\"code\":\"2QH3QTDM28N6\",\"amount\":\"1.00\"}"));
            check(guess != null && guess.getProvider() == null && guess.getDocument().contains("\"providers\":[\"coupontools\",\"eguma\",\"treazure\"]"),
                "money never goes to a guess: refused, the candidates named");
            check(Json.text(till.balance("{\"code\":\"2QH3-QTDM-28N6\"}"), "provider").equals("eguma"), "looked up at e-guma");
            String taken = till.redeem("{\"code\":\"2QH3QTDM28N6\",\"amount\":\"1.00\"}");
            check(Json.text(taken, "provider").equals("eguma"), "then taken there");
            till.cancelRedemption("{\"code\":\"2QH3QTDM28N6\",\"transaction_id\":\"" + Json.text(taken, "transaction_id") + "\",\"amount\":\"1.00\"}");
        }
    }

    static void everyException() throws Exception {
        check(fails(ConfigException.class, () -> new VoucherLinkClient("{\"provider\":\"eguma\",\"apikey\":\"x\"}")) != null, "ConfigException");
        try (VoucherLinkClient till = new VoucherLinkClient(eguma())) {
            InvalidArgumentException bad = fails(InvalidArgumentException.class, () -> till.balance("{\"code\":"));
            check(bad != null && bad.getStatus() == 1 && bad.getMessage().contains("not a valid JSON object"), "InvalidArgumentException");
            check(fails(UnsupportedException.class, () -> till.issue("{\"amount\":\"5.00\"}")) != null, "UnsupportedException");
            NotFoundException unknown = fails(NotFoundException.class, () -> till.balance("{\"code\":\"NOPE12345678\"}"));
            check(unknown != null && unknown.getProvider().equals("eguma"), "NotFoundException");
            RejectedException used = fails(RejectedException.class, () -> till.redeem("{\"code\":\"USED00000001\",\"amount\":\"5.00\"}"));
            check(used != null && used.getMessage().equals("Der Gutschein wurde bereits eingel\u00f6st."), "RejectedException with e-guma's words (UTF-8)");
            armFault("{\"provider\":\"eguma\",\"operation\":\"balance\",\"fault\":{\"status\":500},\"times\":3}");
            check(fails(ProviderException.class, () -> till.balance("{\"code\":\"L4FU5LQTKJR3\"}")) != null, "ProviderException");
        }
        String wrongKey = eguma().replace("demo-outlet-1", "wrong-key");
        try (VoucherLinkClient till = new VoucherLinkClient(wrongKey)) {
            check(fails(AuthException.class, () -> till.balance("{\"code\":\"L4FU5LQTKJR3\"}")) != null, "AuthException");
        }
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String nowhere = "{\"provider\":\"eguma\",\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:" + closed + "\",\"timeout_ms\":2000}";
        try (VoucherLinkClient till = new VoucherLinkClient(nowhere)) {
            check(fails(NetworkException.class, () -> till.balance("{\"code\":\"L4FU5LQTKJR3\"}")) != null, "NetworkException");
        }
        String quick = eguma().replace("\"pos_id\"", "\"timeout_ms\":500,\"pos_id\"");
        try (VoucherLinkClient till = new VoucherLinkClient(quick)) {
            armFault("{\"provider\":\"eguma\",\"operation\":\"redeem\",\"fault\":{\"late_ms\":30000}}");
            InDoubtException doubt = fails(InDoubtException.class, () -> till.redeem("{\"code\":\"2QH3QTDM28N6\",\"amount\":\"5.00\"}"));
            check(doubt != null && doubt.getJournalId().startsWith("vl-") && doubt.getStatus() == 8, "InDoubtException with getJournalId");
            String pending = till.pending("{}");
            check(doubt != null && pending.contains(doubt.getJournalId()), "the in-doubt entry in pending");
            if (doubt != null) {
                till.recover("{\"journal_id\":\"" + doubt.getJournalId() + "\",\"outcome\":\"done\"}");
            }
        }
        check(VoucherLinkException.of(10, "{\"ok\":false,\"error\":{\"code\":10,\"message\":\"bug\"}}") instanceof InternalException, "InternalException");
        VoucherLinkClient gone = new VoucherLinkClient(eguma());
        gone.close();
        gone.close();
        boolean threw = false;
        try {
            gone.balance("{\"code\":\"L4FU5LQTKJR3\"}");
        } catch (IllegalStateException e) {
            threw = true;
        }
        check(threw, "a closed client throws IllegalStateException; close twice is fine");
    }

    static void threads() throws Exception {
        try (VoucherLinkClient till = new VoucherLinkClient(eguma())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 50; i++) {
                        if (Json.text(till.balance("{\"code\":\"L4FU5LQTKJR3\"}"), "balance") != null) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> result : results) {
                ok += result.get();
            }
            pool.shutdown();
            check(ok == 400, "8 threads x 50 balances on one client: " + ok);
        }
    }

    static void logging() throws Exception {
        List<String> lines = new ArrayList<>();
        VoucherLinkClient.setLogger((level, line) -> {
            synchronized (lines) {
                lines.add(line);
            }
        }, 2);
        try (VoucherLinkClient till = new VoucherLinkClient(eguma())) {
            till.balance("{\"code\":\"L4FU5LQTKJR3\"}");
        }
        VoucherLinkClient.setLogger(null, 0);
        synchronized (lines) {
            check(!lines.isEmpty() && lines.stream().noneMatch(l -> l.contains("demo-outlet-1") || l.contains("L4FU5LQTKJR3")),
                "setLogger: lines arrive, without the API key, codes masked (" + lines.size() + " lines)");
        }
        check(fails(InvalidArgumentException.class, () -> VoucherLinkClient.setLogger((l, s) -> { }, 9)) != null, "setLogger refuses level 9");
    }

    /** Every string the library hands out is freed: the resident memory stays flat over many calls. */
    static void memory() throws Exception {
        int calls = Integer.getInteger("voucherlink.memoryCalls", 600_000);
        try (VoucherLinkClient till = new VoucherLinkClient(eguma())) {
            for (int i = 0; i < 20_000; i++) {
                till.capabilities("{}");
                fails(InvalidArgumentException.class, () -> till.capabilities("{\"x\":1}"));
            }
            System.gc();
            long before = rssKiB();
            for (int i = 0; i < calls / 2; i++) {
                till.capabilities("{}");
                fails(InvalidArgumentException.class, () -> till.capabilities("{\"x\":1}"));
            }
            System.gc();
            long after = rssKiB();
            System.out.println("     RSS " + before + " KiB -> " + after + " KiB over " + calls + " calls (half of them failures)");
            // The JVM's own footprint moves by some 15 MiB from one GC to the next (heap capped at 64 MiB);
            // a string not freed would be 150 bytes and more a call: 90 MiB and more here.
            check(after - before < 40 * 1024, "no leak: RSS grew " + (after - before) + " KiB over " + calls + " calls");
        }
    }

    static long rssKiB() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
