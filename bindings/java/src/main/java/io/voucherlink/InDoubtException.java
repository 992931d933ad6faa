package io.voucherlink;

/** VL_IN_DOUBT: a money-moving call's outcome is not known yet. Never repeat it: keep {@link #getJournalId()} with the sale; {@link VoucherLinkClient#recover(String)} reports the outcome. */
public class InDoubtException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public InDoubtException(String document) {
        super(8, document);
    }

    /**
     * The journal entry of the operation in doubt ({@code vl-...}): keep it with the sale.
     *
     * @return the journal id
     */
    @Override
    public String getJournalId() {
        return super.getJournalId();
    }
}
