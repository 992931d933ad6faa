import io.voucherlink.VoucherLinkClient;

import java.util.Arrays;

/**
 * Benchmark J: a balance through the Java binding (JNA), the same call as abi_bench.c's, against
 * the simulator's e-guma. Prints {"balance":{"n":..,"seconds":..,"per_s":..,"p50_us":..,"p99_us":..}}.
 *   java -cp voucherlink-classes:jna.jar:. JavaBalance <eguma_url> <n>
 */
public final class JavaBalance {
    private JavaBalance() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int n = Integer.parseInt(args[1]);
        String config = "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"" + url + "\"}";
        try (VoucherLinkClient client = new VoucherLinkClient(config)) {
            String request = "{\"code\":\"L4FU5LQTKJR3\"}";
            for (int i = 0; i < Math.max(200, n / 5); i++) {
                client.balance(request);   // warm-up: JIT, the connection
            }
            double[] lat = new double[n];
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                client.balance(request);
                lat[i] = (System.nanoTime() - t) / 1000.0;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(lat);
            System.out.printf(java.util.Locale.ROOT, "{\"balance\":{\"n\":%d,\"seconds\":%.4f,\"per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}}%n",
                n, seconds, n / seconds, lat[n / 2], lat[(int) (n * 0.99)]);
        }
    }
}
