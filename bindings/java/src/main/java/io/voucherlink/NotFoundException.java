package io.voucherlink;

/** VL_NOT_FOUND: the provider does not know this voucher, member or session. */
public class NotFoundException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public NotFoundException(String document) {
        super(4, document);
    }
}
