package io.voucherlink;

/** VL_AUTH: the credentials were refused. */
public class AuthException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public AuthException(String document) {
        super(6, document);
    }
}
