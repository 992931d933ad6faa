package io.voucherlink;

/** VL_REJECTED: the provider refused (used, expired, insufficient balance, ...): show the message to the cashier. */
public class RejectedException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public RejectedException(String document) {
        super(5, document);
    }
}
