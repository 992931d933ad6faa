package io.voucherlink;

/** VL_INVALID_ARGUMENT: the input is wrong (the message names the field); nothing was sent. */
public class InvalidArgumentException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public InvalidArgumentException(String document) {
        super(1, document);
    }
}
