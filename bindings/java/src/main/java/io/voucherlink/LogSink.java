package io.voucherlink;

/** Receives the library's log lines (never a secret; voucher codes masked), from any thread. */
@FunctionalInterface
public interface LogSink {
    /**
     * One log line.
     *
     * @param level 0 trace, 1 debug, 2 info, 3 warn, 4 error
     * @param line the line
     */
    void log(int level, String line);
}
