package io.voucherlink;

/** VL_INTERNAL: a bug in the library (please report it with the log). */
public class InternalException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public InternalException(String document) {
        super(10, document);
    }
}
