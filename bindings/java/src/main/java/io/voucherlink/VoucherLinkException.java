package io.voucherlink;

/**
 * A failed call: {@link #getStatus()} is the VlStatus number, {@link #getDocument()} the whole result
 * document ({@code {"ok":false,"error":{...}}}), {@link #getMessage()} the error's message (for the
 * cashier: the provider's own words where it has some). Thrown as the subclass of its status
 * ({@link RejectedException}, {@link InDoubtException}, ...).
 */
public class VoucherLinkException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String document;

    /**
     * An exception for a failed call.
     *
     * @param status the VlStatus number
     * @param document the whole result document (JSON)
     */
    public VoucherLinkException(int status, String document) {
        super(messageOf(status, document));
        this.status = status;
        this.document = document;
    }

    /**
     * The exception of a failed call's document: the subclass of its status.
     *
     * @param status the VlStatus number
     * @param document the whole result document (JSON)
     * @return the exception to throw
     */
    public static VoucherLinkException of(int status, String document) {
        switch (status) {
            case 1: return new InvalidArgumentException(document);
            case 2: return new ConfigException(document);
            case 3: return new UnsupportedException(document);
            case 4: return new NotFoundException(document);
            case 5: return new RejectedException(document);
            case 6: return new AuthException(document);
            case 7: return new NetworkException(document);
            case 8: return new InDoubtException(document);
            case 9: return new ProviderException(document);
            case 10: return new InternalException(document);
            default: return new VoucherLinkException(status, document);
        }
    }

    /**
     * The status number (VlStatus): 1 invalid argument, 2 configuration, ..., 8 in doubt, ...
     *
     * @return the status
     */
    public int getStatus() {
        return status;
    }

    /**
     * The whole result document, as the library wrote it.
     *
     * @return the JSON document
     */
    public String getDocument() {
        return document;
    }

    /**
     * The provider the error is about ({@code "eguma"}, ...), or null.
     *
     * @return the provider id
     */
    public String getProvider() {
        return Json.text(document, "provider");
    }

    /**
     * The provider's own text, verbatim, or null.
     *
     * @return the provider's message
     */
    public String getProviderMessage() {
        return Json.text(document, "provider_message");
    }

    /**
     * The journal entry of an in-doubt or pending operation, or null.
     *
     * @return the journal id
     */
    public String getJournalId() {
        return Json.text(document, "journal_id");
    }

    private static String messageOf(int status, String document) {
        String message = Json.text(document, "message");
        return message != null ? message : "voucherlink error " + status;
    }
}
