//! What the library writes for the cashier and the customer, in the till's language: one message
//! catalogue (a plain table: every text in every language, checked complete by a test), amounts
//! as each language and currency writes them, and dates in the till's time zone.
//!
//! Which texts: receipt lines, notes on a voucher's state, and the messages of the answers a
//! cashier acts on — `VL_REJECTED`, `VL_NOT_FOUND`, `VL_IN_DOUBT`, `VL_NETWORK` — where the library
//! writes them. A provider's own text is never translated (it is passed through as `message` and,
//! verbatim, `provider_message`). Messages meant for the integrator (`VL_INVALID_ARGUMENT`,
//! `VL_CONFIG`, `VL_AUTH`, `VL_PROVIDER`, `VL_INTERNAL`) and log lines stay English.
//!
//! Amounts are never rounded here: they come with their currency's decimals and only get their
//! separators. CHF as the Swiss write it in every language (`CHF 1'234.50`); EUR as each language
//! writes euros (`1.234,50 €`, `€ 1.234,50`, `€1,234.50`); other currencies with their code in
//! front and the language's separators.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::digits::Digits;
use crate::operation::Operation;

/// A language the library writes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Greek.
    El,
}

impl Lang {
    /// Every language, in the catalogue's column order.
    pub(crate) const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Fr, Lang::It, Lang::Nl, Lang::El];

    /// The language of an ISO 639-1 code (`"de"`, also `"de-CH"`, any case).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::El => "el",
        }
    }

    fn column(self) -> usize {
        self as usize
    }
}

/// A text the library writes for people. Its translations are [`Text::all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each variant's English text is its documentation
pub enum Text {
    EgumaVoucher,
    GiftCard,
    Coupon,
    Redeemed,
    Cancelled,
    Balance,
    Total,
    Sold,
    VatZero,
    SaleCancelled,
    TakenBack,
    Issued,
    CouponValue,
    UsedAt,
    Used,
    InsufficientBalance,
    NoBalanceLeft,
    CannotBeRedeemed,
    CannotBeActivated,
    CannotBeDeactivated,
    VoucherBusy,
    EarlierUnresolved,
    EarlierWentThrough,
    InDoubt,
    Reversed,
    Unreachable,
    UnknownVoucher,
    NoProviderKnows,
    Refused,
    WrongStatus,
    CancelTooLate,
    NoValue,
    UnknownMember,
    CouponAlreadyUsedAt,
    CouponAlreadyUsed,
    CouponVoided,
    CouponLocked,
    CouponNotClaimed,
    CardNotSold,
    CardExpired,
    CardVoid,
    CardRefunded,
    CardEmpty,
    ArticleSet,
    CardCannotBeSold,
    CardLoadsMore,
    OpRedeem,
    OpCancelRedemption,
    OpActivate,
    OpCancelActivation,
    OpDeactivate,
    OpIssue,
    OpSubmitOrder,
}

impl Text {
    /// Every text (for the catalogue's completeness test).
    #[cfg(test)]
    const ALL: [Text; 53] = [
        Text::EgumaVoucher,
        Text::GiftCard,
        Text::Coupon,
        Text::Redeemed,
        Text::Cancelled,
        Text::Balance,
        Text::Total,
        Text::Sold,
        Text::VatZero,
        Text::SaleCancelled,
        Text::TakenBack,
        Text::Issued,
        Text::CouponValue,
        Text::UsedAt,
        Text::Used,
        Text::InsufficientBalance,
        Text::NoBalanceLeft,
        Text::CannotBeRedeemed,
        Text::CannotBeActivated,
        Text::CannotBeDeactivated,
        Text::VoucherBusy,
        Text::EarlierUnresolved,
        Text::EarlierWentThrough,
        Text::InDoubt,
        Text::Reversed,
        Text::Unreachable,
        Text::UnknownVoucher,
        Text::NoProviderKnows,
        Text::Refused,
        Text::WrongStatus,
        Text::CancelTooLate,
        Text::NoValue,
        Text::UnknownMember,
        Text::CouponAlreadyUsedAt,
        Text::CouponAlreadyUsed,
        Text::CouponVoided,
        Text::CouponLocked,
        Text::CouponNotClaimed,
        Text::CardNotSold,
        Text::CardExpired,
        Text::CardVoid,
        Text::CardRefunded,
        Text::CardEmpty,
        Text::ArticleSet,
        Text::CardCannotBeSold,
        Text::CardLoadsMore,
        Text::OpRedeem,
        Text::OpCancelRedemption,
        Text::OpActivate,
        Text::OpCancelActivation,
        Text::OpDeactivate,
        Text::OpIssue,
        Text::OpSubmitOrder,
    ];

    /// The text in every language (`{name}` marks a value put in), in the order of [`Lang::ALL`].
    pub fn all(self) -> [&'static str; 6] {
        match self {
            Text::EgumaVoucher => [
                "e-guma voucher {code}",
                "e-guma Gutschein {code}",
                "Bon e-guma {code}",
                "Buono e-guma {code}",
                "e-guma-waardebon {code}",
                "Κουπόνι e-guma {code}",
            ],
            Text::GiftCard => [
                "Gift card {code}",
                "Geschenkkarte {code}",
                "Carte cadeau {code}",
                "Carta regalo {code}",
                "Cadeaukaart {code}",
                "Δωροκάρτα {code}",
            ],
            Text::Coupon => [
                "Coupon {code}",
                "Rabattcoupon {code}",
                "Bon de réduction {code}",
                "Buono sconto {code}",
                "Kortingsbon {code}",
                "Κουπόνι έκπτωσης {code}",
            ],
            Text::Redeemed => [
                "Redeemed {amount}",
                "Eingelöst {amount}",
                "Utilisé {amount}",
                "Utilizzato {amount}",
                "Ingewisseld {amount}",
                "Εξαργυρώθηκε {amount}",
            ],
            Text::Cancelled => [
                "Cancelled {amount}",
                "Storniert {amount}",
                "Annulé {amount}",
                "Annullato {amount}",
                "Geannuleerd {amount}",
                "Ακυρώθηκε {amount}",
            ],
            Text::Balance => [
                "Balance {amount}",
                "Restguthaben {amount}",
                "Solde {amount}",
                "Saldo {amount}",
                "Saldo {amount}",
                "Υπόλοιπο {amount}",
            ],
            Text::Total => [
                "Total value {amount}",
                "Gesamtwert {amount}",
                "Valeur totale {amount}",
                "Valore totale {amount}",
                "Totale waarde {amount}",
                "Συνολική αξία {amount}",
            ],
            Text::Sold => [
                "Sold {amount}",
                "Verkauft {amount}",
                "Vendu {amount}",
                "Venduto {amount}",
                "Verkocht {amount}",
                "Πωλήθηκε {amount}",
            ],
            Text::VatZero => [
                "VAT 0% (voucher sale)",
                "MwSt. 0% (Gutscheinverkauf)",
                "TVA 0% (vente de bon)",
                "IVA 0% (vendita buono)",
                "btw 0% (verkoop waardebon)",
                "ΦΠΑ 0% (πώληση κουπονιού)",
            ],
            Text::SaleCancelled => [
                "Sale cancelled",
                "Verkauf storniert",
                "Vente annulée",
                "Vendita annullata",
                "Verkoop geannuleerd",
                "Η πώληση ακυρώθηκε",
            ],
            Text::TakenBack => [
                "Taken back {amount}",
                "Zurückgenommen {amount}",
                "Repris {amount}",
                "Ritirato {amount}",
                "Teruggenomen {amount}",
                "Επιστράφηκε {amount}",
            ],
            Text::Issued => [
                "Issued {amount}",
                "Ausgestellt {amount}",
                "Émis {amount}",
                "Emesso {amount}",
                "Uitgegeven {amount}",
                "Εκδόθηκε {amount}",
            ],
            Text::CouponValue => [
                "Coupon value {amount}",
                "Wert {amount}",
                "Valeur {amount}",
                "Valore {amount}",
                "Waarde {amount}",
                "Αξία {amount}",
            ],
            Text::UsedAt => [
                "Used {date}",
                "Eingelöst am {date}",
                "Utilisé le {date}",
                "Utilizzato il {date}",
                "Ingewisseld op {date}",
                "Χρησιμοποιήθηκε {date}",
            ],
            Text::Used => ["Used", "Eingelöst", "Utilisé", "Utilizzato", "Ingewisseld", "Χρησιμοποιήθηκε"],
            Text::InsufficientBalance => [
                "Insufficient balance: the voucher has {balance}, {asked} was asked for.",
                "Guthaben nicht ausreichend: Der Gutschein hat {balance}, verlangt wurden {asked}.",
                "Solde insuffisant : le bon a {balance}, {asked} ont été demandés.",
                "Saldo insufficiente: il buono ha {balance}, sono stati richiesti {asked}.",
                "Onvoldoende saldo: de waardebon heeft {balance}, gevraagd werd {asked}.",
                "Ανεπαρκές υπόλοιπο: το κουπόνι έχει {balance}, ζητήθηκαν {asked}.",
            ],
            Text::NoBalanceLeft => [
                "The voucher has no balance left.",
                "Der Gutschein hat kein Guthaben mehr.",
                "Le bon n'a plus de solde.",
                "Il buono non ha più credito.",
                "De waardebon heeft geen saldo meer.",
                "Το κουπόνι δεν έχει πλέον υπόλοιπο.",
            ],
            Text::CannotBeRedeemed => [
                "This voucher cannot be redeemed.",
                "Dieser Gutschein kann nicht eingelöst werden.",
                "Ce bon ne peut pas être utilisé.",
                "Questo buono non può essere utilizzato.",
                "Deze waardebon kan niet worden ingewisseld.",
                "Αυτό το κουπόνι δεν μπορεί να εξαργυρωθεί.",
            ],
            Text::CannotBeActivated => [
                "This voucher cannot be activated.",
                "Dieser Gutschein kann nicht aktiviert werden.",
                "Ce bon ne peut pas être activé.",
                "Questo buono non può essere attivato.",
                "Deze waardebon kan niet worden geactiveerd.",
                "Αυτό το κουπόνι δεν μπορεί να ενεργοποιηθεί.",
            ],
            Text::CannotBeDeactivated => [
                "This voucher cannot be deactivated.",
                "Dieser Gutschein kann nicht deaktiviert werden.",
                "Ce bon ne peut pas être désactivé.",
                "Questo buono non può essere disattivato.",
                "Deze waardebon kan niet worden gedeactiveerd.",
                "Αυτό το κουπόνι δεν μπορεί να απενεργοποιηθεί.",
            ],
            Text::VoucherBusy => [
                "Another operation on this voucher is still in progress at this till; try again.",
                "An dieser Kasse läuft noch ein anderer Vorgang mit diesem Gutschein; bitte erneut versuchen.",
                "Une autre opération sur ce bon est en cours à cette caisse ; réessayez.",
                "Un'altra operazione su questo buono è in corso a questa cassa; riprovare.",
                "Er loopt nog een andere bewerking met deze waardebon aan deze kassa; probeer het opnieuw.",
                "Άλλη συναλλαγή με αυτό το κουπόνι βρίσκεται σε εξέλιξη σε αυτό το ταμείο· δοκιμάστε ξανά.",
            ],
            Text::EarlierUnresolved => [
                "An earlier {op} of this voucher is still unresolved (journal {id}). Nothing was sent; try again once it is settled.",
                "Ein früherer Vorgang mit diesem Gutschein ({op}) ist noch ungeklärt (Journal {id}). Es wurde nichts gesendet; bitte erneut versuchen, sobald er geklärt ist.",
                "Une opération précédente sur ce bon ({op}) n'est pas encore résolue (journal {id}). Rien n'a été envoyé ; réessayez une fois qu'elle sera résolue.",
                "Un'operazione precedente su questo buono ({op}) non è ancora risolta (giornale {id}). Non è stato inviato nulla; riprovare quando sarà risolta.",
                "Een eerdere bewerking met deze waardebon ({op}) is nog niet afgehandeld (journaal {id}). Er is niets verzonden; probeer het opnieuw zodra deze is afgehandeld.",
                "Μια προηγούμενη συναλλαγή με αυτό το κουπόνι ({op}) δεν έχει ακόμη διευκρινιστεί (ημερολόγιο {id}). Δεν στάλθηκε τίποτα· δοκιμάστε ξανά όταν διευκρινιστεί.",
            ],
            Text::EarlierWentThrough => [
                "An earlier {op} of this voucher went through after all: its answer had been lost (journal {id}). This one was not sent; check the sale before trying again.",
                "Ein früherer Vorgang mit diesem Gutschein ({op}) wurde doch ausgeführt; seine Antwort war verloren gegangen (Journal {id}). Dieser wurde nicht gesendet; bitte den Verkauf prüfen, bevor Sie es erneut versuchen.",
                "Une opération précédente sur ce bon ({op}) a finalement abouti ; sa réponse avait été perdue (journal {id}). Celle-ci n'a pas été envoyée ; vérifiez la vente avant de réessayer.",
                "Un'operazione precedente su questo buono ({op}) è andata a buon fine; la sua risposta era andata persa (giornale {id}). Questa non è stata inviata; controllare la vendita prima di riprovare.",
                "Een eerdere bewerking met deze waardebon ({op}) is toch uitgevoerd; het antwoord was verloren gegaan (journaal {id}). Deze is niet verzonden; controleer de verkoop voordat u het opnieuw probeert.",
                "Μια προηγούμενη συναλλαγή με αυτό το κουπόνι ({op}) ολοκληρώθηκε τελικά· η απάντησή της είχε χαθεί (ημερολόγιο {id}). Αυτή δεν στάλθηκε· ελέγξτε την πώληση πριν δοκιμάσετε ξανά.",
            ],
            Text::InDoubt => [
                "The {op} was sent to {provider}, but its outcome is not known yet. Do not repeat it: it is in the journal as {id} and its outcome will be reported.",
                "Der Vorgang ({op}) wurde an {provider} gesendet, das Ergebnis ist aber noch nicht bekannt. Nicht wiederholen: Er steht im Journal als {id}, das Ergebnis wird gemeldet.",
                "L'opération ({op}) a été envoyée à {provider}, mais son résultat n'est pas encore connu. Ne la répétez pas : elle est au journal sous {id} et son résultat sera communiqué.",
                "L'operazione ({op}) è stata inviata a {provider}, ma il suo esito non è ancora noto. Non ripeterla: è nel giornale come {id} e il suo esito sarà comunicato.",
                "De bewerking ({op}) is naar {provider} verzonden, maar de uitkomst is nog niet bekend. Niet herhalen: ze staat in het journaal als {id} en de uitkomst wordt gemeld.",
                "Η συναλλαγή ({op}) στάλθηκε στο {provider}, αλλά το αποτέλεσμά της δεν είναι ακόμη γνωστό. Μην την επαναλάβετε: είναι στο ημερολόγιο ως {id} και το αποτέλεσμα θα αναφερθεί.",
            ],
            Text::Reversed => [
                "The {op} went through at {provider} but its answer was lost, so it was reversed: nothing changed.",
                "Der Vorgang ({op}) wurde bei {provider} ausgeführt, aber seine Antwort ging verloren; er wurde daher rückgängig gemacht: Es hat sich nichts geändert.",
                "L'opération ({op}) a abouti chez {provider} mais sa réponse a été perdue ; elle a donc été annulée : rien n'a changé.",
                "L'operazione ({op}) è andata a buon fine presso {provider} ma la risposta è andata persa; è stata quindi annullata: non è cambiato nulla.",
                "De bewerking ({op}) is bij {provider} uitgevoerd maar het antwoord ging verloren; ze is daarom teruggedraaid: er is niets veranderd.",
                "Η συναλλαγή ({op}) ολοκληρώθηκε στο {provider} αλλά η απάντηση χάθηκε· γι' αυτό αναιρέθηκε: δεν άλλαξε τίποτα.",
            ],
            Text::Unreachable => [
                "{provider} cannot be reached right now; nothing changed. ({detail})",
                "{provider} ist im Moment nicht erreichbar; es hat sich nichts geändert. ({detail})",
                "{provider} est injoignable pour le moment ; rien n'a changé. ({detail})",
                "{provider} non è raggiungibile al momento; non è cambiato nulla. ({detail})",
                "{provider} is op dit moment niet bereikbaar; er is niets veranderd. ({detail})",
                "Το {provider} δεν είναι προσβάσιμο αυτή τη στιγμή· δεν άλλαξε τίποτα. ({detail})",
            ],
            Text::UnknownVoucher => [
                "{provider} does not know this voucher.",
                "{provider} kennt diesen Gutschein nicht.",
                "{provider} ne connaît pas ce bon.",
                "{provider} non conosce questo buono.",
                "{provider} kent deze waardebon niet.",
                "Το {provider} δεν γνωρίζει αυτό το κουπόνι.",
            ],
            Text::NoProviderKnows => [
                "None of this till's providers knows this voucher (asked: {providers}).",
                "Keiner der Anbieter dieser Kasse kennt diesen Gutschein (gefragt: {providers}).",
                "Aucun des fournisseurs de cette caisse ne connaît ce bon (interrogés : {providers}).",
                "Nessuno dei fornitori di questa cassa conosce questo buono (interpellati: {providers}).",
                "Geen van de aanbieders van deze kassa kent deze waardebon (gevraagd: {providers}).",
                "Κανένας από τους παρόχους αυτού του ταμείου δεν γνωρίζει αυτό το κουπόνι (ερωτήθηκαν: {providers}).",
            ],
            Text::Refused => [
                "{provider} refused.",
                "{provider} hat abgelehnt.",
                "{provider} a refusé.",
                "{provider} ha rifiutato.",
                "{provider} heeft geweigerd.",
                "Το {provider} αρνήθηκε.",
            ],
            Text::WrongStatus => [
                "The gift card's status does not allow this.",
                "Der Status der Geschenkkarte erlaubt dies nicht.",
                "Le statut de la carte cadeau ne le permet pas.",
                "Lo stato della carta regalo non lo consente.",
                "De status van de cadeaukaart staat dit niet toe.",
                "Η κατάσταση της δωροκάρτας δεν το επιτρέπει.",
            ],
            Text::CancelTooLate => [
                "{provider} no longer accepts this cancellation (only right after the operation).",
                "{provider} nimmt diese Stornierung nicht mehr an (nur direkt nach dem Vorgang).",
                "{provider} n'accepte plus cette annulation (seulement juste après l'opération).",
                "{provider} non accetta più questo annullamento (solo subito dopo l'operazione).",
                "{provider} accepteert deze annulering niet meer (alleen direct na de bewerking).",
                "Το {provider} δεν δέχεται πλέον αυτή την ακύρωση (μόνο αμέσως μετά τη συναλλαγή).",
            ],
            Text::NoValue => [
                "This voucher is not valid or has no value left.",
                "Dieser Gutschein ist ungültig oder hat keinen Wert mehr.",
                "Ce bon n'est pas valable ou n'a plus de valeur.",
                "Questo buono non è valido o non ha più valore.",
                "Deze waardebon is ongeldig of heeft geen waarde meer.",
                "Αυτό το κουπόνι δεν είναι έγκυρο ή δεν έχει πλέον αξία.",
            ],
            Text::UnknownMember => [
                "{provider} knows no member with this member code or phone number.",
                "{provider} kennt kein Mitglied mit diesem Mitgliedscode oder dieser Telefonnummer.",
                "{provider} ne connaît aucun membre avec ce code de membre ou ce numéro de téléphone.",
                "{provider} non conosce alcun membro con questo codice membro o numero di telefono.",
                "{provider} kent geen lid met deze lidcode of dit telefoonnummer.",
                "Το {provider} δεν γνωρίζει μέλος με αυτόν τον κωδικό μέλους ή αριθμό τηλεφώνου.",
            ],
            Text::CouponAlreadyUsedAt => [
                "The coupon was already used at {date}.",
                "Der Rabattcoupon wurde bereits am {date} eingelöst.",
                "Le bon de réduction a déjà été utilisé le {date}.",
                "Il buono sconto è già stato utilizzato il {date}.",
                "De kortingsbon is al ingewisseld op {date}.",
                "Το κουπόνι έκπτωσης έχει ήδη χρησιμοποιηθεί στις {date}.",
            ],
            Text::CouponAlreadyUsed => [
                "The coupon was already used.",
                "Der Rabattcoupon wurde bereits eingelöst.",
                "Le bon de réduction a déjà été utilisé.",
                "Il buono sconto è già stato utilizzato.",
                "De kortingsbon is al ingewisseld.",
                "Το κουπόνι έκπτωσης έχει ήδη χρησιμοποιηθεί.",
            ],
            Text::CouponVoided => [
                "The coupon has been voided.",
                "Der Rabattcoupon wurde entwertet.",
                "Le bon de réduction a été annulé.",
                "Il buono sconto è stato annullato.",
                "De kortingsbon is ongeldig gemaakt.",
                "Το κουπόνι έκπτωσης έχει ακυρωθεί.",
            ],
            Text::CouponLocked => [
                "The coupon is locked by a checkout in progress.",
                "Der Rabattcoupon ist durch einen laufenden Kassiervorgang gesperrt.",
                "Le bon de réduction est bloqué par un encaissement en cours.",
                "Il buono sconto è bloccato da un pagamento in corso.",
                "De kortingsbon is vergrendeld door een lopende afrekening.",
                "Το κουπόνι έκπτωσης είναι κλειδωμένο από πληρωμή σε εξέλιξη.",
            ],
            Text::CouponNotClaimed => [
                "The coupon has not been claimed yet.",
                "Der Rabattcoupon wurde noch nicht abgeholt.",
                "Le bon de réduction n'a pas encore été réclamé.",
                "Il buono sconto non è ancora stato riscattato.",
                "De kortingsbon is nog niet opgehaald.",
                "Το κουπόνι έκπτωσης δεν έχει ακόμη παραληφθεί.",
            ],
            Text::CardNotSold => [
                "The gift card has not been sold (activated) yet.",
                "Die Geschenkkarte wurde noch nicht verkauft (aktiviert).",
                "La carte cadeau n'a pas encore été vendue (activée).",
                "La carta regalo non è ancora stata venduta (attivata).",
                "De cadeaukaart is nog niet verkocht (geactiveerd).",
                "Η δωροκάρτα δεν έχει ακόμη πωληθεί (ενεργοποιηθεί).",
            ],
            Text::CardExpired => [
                "The gift card has expired.",
                "Die Geschenkkarte ist abgelaufen.",
                "La carte cadeau a expiré.",
                "La carta regalo è scaduta.",
                "De cadeaukaart is verlopen.",
                "Η δωροκάρτα έχει λήξει.",
            ],
            Text::CardVoid => [
                "The gift card is void.",
                "Die Geschenkkarte ist ungültig.",
                "La carte cadeau est annulée.",
                "La carta regalo è annullata.",
                "De cadeaukaart is ongeldig.",
                "Η δωροκάρτα είναι άκυρη.",
            ],
            Text::CardRefunded => [
                "The gift card has been refunded.",
                "Die Geschenkkarte wurde zurückerstattet.",
                "La carte cadeau a été remboursée.",
                "La carta regalo è stata rimborsata.",
                "De cadeaukaart is terugbetaald.",
                "Η δωροκάρτα έχει επιστραφεί.",
            ],
            Text::CardEmpty => [
                "The gift card has no balance left.",
                "Die Geschenkkarte hat kein Guthaben mehr.",
                "La carte cadeau n'a plus de solde.",
                "La carta regalo non ha più credito.",
                "De cadeaukaart heeft geen saldo meer.",
                "Η δωροκάρτα δεν έχει πλέον υπόλοιπο.",
            ],
            Text::ArticleSet => [
                "This gift card pays only for the articles of set {set}: check the basket before redeeming.",
                "Diese Geschenkkarte gilt nur für Artikel der Gruppe {set}: bitte den Warenkorb vor dem Einlösen prüfen.",
                "Cette carte cadeau ne paie que les articles du groupe {set} : vérifiez le panier avant de l'utiliser.",
                "Questa carta regalo paga solo gli articoli del gruppo {set}: controllare il carrello prima di utilizzarla.",
                "Deze cadeaukaart betaalt alleen artikelen uit groep {set}: controleer het winkelmandje vóór het inwisselen.",
                "Αυτή η δωροκάρτα πληρώνει μόνο τα είδη της ομάδας {set}: ελέγξτε το καλάθι πριν την εξαργύρωση.",
            ],
            Text::CardCannotBeSold => [
                "A gift card with status {status} cannot be sold or loaded.",
                "Eine Geschenkkarte mit dem Status {status} kann nicht verkauft oder aufgeladen werden.",
                "Une carte cadeau au statut {status} ne peut pas être vendue ni rechargée.",
                "Una carta regalo con stato {status} non può essere venduta né ricaricata.",
                "Een cadeaukaart met status {status} kan niet worden verkocht of opgeladen.",
                "Μια δωροκάρτα με κατάσταση {status} δεν μπορεί να πωληθεί ή να φορτιστεί.",
            ],
            Text::CardLoadsMore => [
                "The card is active: activating it loads more value onto it.",
                "Die Karte ist aktiv: Eine Aktivierung lädt weiteren Wert auf.",
                "La carte est active : l'activer la recharge.",
                "La carta è attiva: attivarla la ricarica.",
                "De kaart is actief: activeren laadt er meer waarde op.",
                "Η κάρτα είναι ενεργή: η ενεργοποίηση προσθέτει αξία σε αυτήν.",
            ],
            Text::OpRedeem => ["redemption", "Einlösung", "utilisation", "utilizzo", "inwisseling", "εξαργύρωση"],
            Text::OpCancelRedemption => [
                "cancellation of a redemption",
                "Stornierung einer Einlösung",
                "annulation d'une utilisation",
                "annullamento di un utilizzo",
                "annulering van een inwisseling",
                "ακύρωση εξαργύρωσης",
            ],
            Text::OpActivate => [
                "sale (activation)",
                "Verkauf (Aktivierung)",
                "vente (activation)",
                "vendita (attivazione)",
                "verkoop (activering)",
                "πώληση (ενεργοποίηση)",
            ],
            Text::OpCancelActivation => [
                "cancellation of a sale",
                "Stornierung eines Verkaufs",
                "annulation d'une vente",
                "annullamento di una vendita",
                "annulering van een verkoop",
                "ακύρωση πώλησης",
            ],
            Text::OpDeactivate => {
                ["deactivation", "Deaktivierung", "désactivation", "disattivazione", "deactivering", "απενεργοποίηση"]
            }
            Text::OpIssue => [
                "issue of a card",
                "Ausgabe einer Karte",
                "émission d'une carte",
                "emissione di una carta",
                "uitgifte van een kaart",
                "έκδοση κάρτας",
            ],
            Text::OpSubmitOrder => ["order", "Bestellung", "commande", "ordine", "bestelling", "παραγγελία"],
        }
    }
}

/// Writes a template to `out` with its values put in, in one pass: `put(name, out)` writes the
/// value of `{name}` and says whether it knew it; an unknown `{name}` stays as it is.
fn fill_into(out: &mut String, template: &str, mut put: impl FnMut(&str, &mut String) -> bool) {
    let mut rest = template;
    // Byte searches: the templates are short, memchr's set-up would cost more than it saves.
    while let Some(open) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.bytes().position(|b| b == b'}') {
            Some(close) if put(&after[..close], out) => rest = &after[close + 1..],
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A value put into a text, written for people when the language is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is (a journal id, a provider's status name).
    Plain(String),
    /// An amount with its currency.
    Amount(Decimal, Option<String>),
    /// A UTC date as the provider gave it.
    Date(String),
    /// An operation, by its name in the language.
    Op(Operation),
}

/// A text with its values, not yet in a language: errors are made deep in the library and
/// worded once the call's language is applied to them ([`Voice::say`]). `{provider}` is
/// always the provider's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said {
    /// The text.
    pub text: Text,
    /// Its values, by name.
    pub args: Vec<(&'static str, Arg)>,
}

impl Said {
    /// A text without values (besides `{provider}`).
    pub fn new(text: Text) -> Said {
        Said { text, args: Vec::new() }
    }

    /// Adds a value.
    pub fn with(mut self, name: &'static str, arg: Arg) -> Said {
        self.args.push((name, arg));
        self
    }
}

/// How the library writes for people at one till: its language, its time zone, the provider's
/// name.
#[derive(Clone, Copy, Debug)]
pub struct Voice<'a> {
    /// The language.
    pub lang: Lang,
    /// The till's time zone (None: dates are marked UTC).
    pub zone: Option<&'a Zone>,
    /// The provider's name for people (`"e-guma"`).
    pub provider: &'a str,
}

impl Voice<'static> {
    /// English, dates in UTC, the provider unnamed: what an error says before the call's
    /// language is applied to it.
    pub const ENGLISH: Voice<'static> = Voice { lang: Lang::En, zone: None, provider: "the provider" };
}

impl Voice<'_> {
    /// A text with its values, in this voice.
    pub fn say(&self, said: &Said) -> String {
        self.line(said.text, |name, out| {
            let Some((_, arg)) = said.args.iter().find(|(n, _)| *n == name) else { return false };
            match arg {
                Arg::Plain(text) => out.push_str(text),
                Arg::Amount(a, currency) => push_amount(out, self.lang, *a, currency.as_deref()),
                Arg::Date(utc) => out.push_str(&self.date(utc)),
                Arg::Op(op) => match op_text(*op) {
                    Some(text) => out.push_str(text.all()[self.lang.column()]),
                    None => out.push_str(op.name()),
                },
            }
            true
        })
    }

    /// A text in this voice, its values written by `put(name, out)` (see [`fill_into`]);
    /// `{provider}` is the provider's name.
    pub fn line(&self, text: Text, put: impl FnMut(&str, &mut String) -> bool) -> String {
        let mut out = String::with_capacity(text.all()[self.lang.column()].len() + 24);
        self.write(&mut out, text, put);
        out
    }

    /// [`Voice::line`], written at the end of `out`.
    pub fn write(&self, out: &mut String, text: Text, mut put: impl FnMut(&str, &mut String) -> bool) {
        fill_into(out, text.all()[self.lang.column()], |name, out| {
            if name == "provider" {
                out.push_str(self.provider);
                return true;
            }
            put(name, out)
        });
    }

    /// A text with values already written for people (`("amount", "CHF 12.50")`).
    pub fn fill(&self, text: Text, values: &[(&str, &str)]) -> String {
        self.line(text, |name, out| match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                out.push_str(v);
                true
            }
            None => false,
        })
    }

    /// A text without values besides `{provider}`.
    pub fn text(&self, text: Text) -> String {
        self.line(text, |_, _| false)
    }

    /// Writes an amount as this voice writes it ([`push_amount`]).
    pub fn push_amount(&self, out: &mut String, value: Decimal, currency: Option<&str>) {
        push_amount(out, self.lang, value, currency)
    }

    /// A UTC date as this voice writes it ([`date`]).
    pub fn date(&self, utc: &str) -> String {
        date(self.lang, utc, self.zone)
    }
}

/// The name of a money-moving operation for people.
fn op_text(op: Operation) -> Option<Text> {
    Some(match op {
        Operation::Redeem => Text::OpRedeem,
        Operation::CancelRedemption => Text::OpCancelRedemption,
        Operation::Activate => Text::OpActivate,
        Operation::CancelActivation => Text::OpCancelActivation,
        Operation::Deactivate => Text::OpDeactivate,
        Operation::Issue => Text::OpIssue,
        Operation::SubmitOrder => Text::OpSubmitOrder,
        _ => return None,
    })
}

/// Writes an amount for people, in a language: the currency as that language writes it, the
/// separators of the language, never a digit changed. Without allocating: the digits come
/// straight from the decimal's mantissa and scale.
pub fn push_amount(out: &mut String, lang: Lang, amount: Decimal, currency: Option<&str>) {
    let (group, point) = match (currency, lang) {
        (Some("CHF"), _) => ('\'', '.'),
        (_, Lang::En) => (',', '.'),
        (_, Lang::Fr) => ('\u{202f}', ','),
        _ => ('.', ','),
    };
    let suffix = match (currency, lang) {
        (None, _) => None,
        (Some("CHF"), _) => {
            out.push_str("CHF ");
            None
        }
        (Some("EUR"), Lang::En) => {
            out.push('€');
            None
        }
        (Some("EUR"), Lang::Nl) => {
            out.push_str("€ ");
            None
        }
        (Some("EUR"), _) => Some(" €"),
        (Some(code), _) => {
            out.push_str(code);
            out.push(' ');
            None
        }
    };
    let digits = Digits::of(amount);
    if digits.negative() {
        out.push('-');
    }
    let int_digits = digits.integer().len();
    for (i, d) in digits.integer().enumerate() {
        if i > 0 && (int_digits - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(d);
    }
    if digits.fraction().len() > 0 {
        out.push(point);
        out.extend(digits.fraction());
    }
    if let Some(s) = suffix {
        out.push_str(s);
    }
}

/// The till's time zone for dates shown to people; serialized as it was given.
#[derive(Clone, Debug)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
    name: String,
}

impl Zone {
    /// An IANA name (`Europe/Zurich`), `UTC`, or an offset (`+01:00`, `-05:30`).
    pub fn parse(text: &str) -> Option<Zone> {
        let name = text.trim().to_string();
        let tz = match offset_minutes(&name) {
            Some(minutes) => jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(minutes * 60).ok()?),
            None => jiff::tz::TimeZone::get(&name).ok()?,
        };
        Some(Zone { tz, name })
    }
}

impl Zone {
    /// The time zone itself.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&self.name)
    }
}

/// `+HH:MM` / `-HH:MM` / `HH:MM` as minutes east of UTC.
fn offset_minutes(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// A UTC date a provider gave (`2026-11-01 09:30:00`, or RFC 3339), for people: in the till's
/// time zone when there is one, else marked `UTC`; written as the language writes dates. A date
/// that cannot be read is shown as given, never silently shifted.
pub fn date(lang: Lang, utc: &str, zone: Option<&Zone>) -> String {
    let parsed = utc
        .trim()
        .replace(' ', "T")
        .trim_end_matches('Z')
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok());
    let Some(at) = parsed else { return utc.to_string() };
    let (shown, suffix) = match zone {
        Some(z) => (at.with_time_zone(z.tz.clone()), ""),
        None => (at, " UTC"),
    };
    let pattern = match lang {
        Lang::En => "%Y-%m-%d %H:%M",
        Lang::De => "%d.%m.%Y %H:%M",
        Lang::Nl => "%d-%m-%Y %H:%M",
        Lang::Fr | Lang::It | Lang::El => "%d/%m/%Y %H:%M",
    };
    format!("{}{suffix}", shown.strftime(pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(lang: Lang, value: Decimal, currency: Option<&str>) -> String {
        let mut out = String::new();
        push_amount(&mut out, lang, value, currency);
        out
    }

    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn the_catalogue_is_complete_in_every_language() {
        for text in Text::ALL {
            let all = text.all();
            let english = all[0];
            for lang in Lang::ALL {
                let t = all[lang.column()];
                assert!(!t.trim().is_empty(), "{text:?} has no {lang:?} text");
                assert_eq!(placeholders(t), placeholders(english), "{text:?} in {lang:?}: the same values are put in");
                if lang != Lang::En && !t.starts_with('{') {
                    assert_ne!(t, english, "{text:?} is still English in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn every_money_moving_operation_has_a_name_for_people() {
        for op in Operation::ALL.into_iter().filter(|op| op.moves_money()) {
            assert!(op_text(op).is_some(), "{op:?}");
        }
    }

    #[test]
    fn a_said_text_is_worded_in_the_voice_it_is_given() {
        let zurich = Zone::parse("Europe/Zurich").unwrap();
        let said =
            Said::new(Text::InDoubt).with("op", Arg::Op(Operation::Redeem)).with("id", Arg::Plain("vl-1".into()));
        let de = Voice { lang: Lang::De, zone: Some(&zurich), provider: "e-guma" };
        assert!(de.say(&said).starts_with("Der Vorgang (Einlösung) wurde an e-guma gesendet"), "{}", de.say(&said));
        assert!(de.say(&said).contains("Journal als vl-1"));
        let used = Said::new(Text::CouponAlreadyUsedAt).with("date", Arg::Date("2026-11-01 09:30:00".into()));
        assert_eq!(de.say(&used), "Der Rabattcoupon wurde bereits am 01.11.2026 10:30 eingelöst.");
        assert_eq!(Voice::ENGLISH.say(&used), "The coupon was already used at 2026-11-01 09:30 UTC.");
        let short = Said::new(Text::InsufficientBalance)
            .with("balance", Arg::Amount(Decimal::new(1000, 2), Some("EUR".into())))
            .with("asked", Arg::Amount(Decimal::new(2050, 2), Some("EUR".into())));
        let fr = Voice { lang: Lang::Fr, zone: None, provider: "Treazure" };
        assert_eq!(fr.say(&short), "Solde insuffisant : le bon a 10,00 €, 20,50 € ont été demandés.");
        assert_eq!(Voice::ENGLISH.text(Text::Redeemed), "Redeemed {amount}", "a value not given stays visible");
    }

    #[test]
    fn languages_parse_from_their_codes() {
        assert_eq!(Lang::parse("de"), Some(Lang::De));
        assert_eq!(Lang::parse("fr-CH"), Some(Lang::Fr));
        assert_eq!(Lang::parse("IT"), Some(Lang::It));
        assert_eq!(Lang::parse("xx"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn amounts_as_each_language_writes_them_never_rounded() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(amount(Lang::De, d("50.00"), Some("CHF")), "CHF 50.00");
        assert_eq!(amount(Lang::Fr, d("1234.50"), Some("CHF")), "CHF 1'234.50");
        assert_eq!(amount(Lang::De, d("1234.50"), Some("EUR")), "1.234,50 €");
        assert_eq!(amount(Lang::Fr, d("1234.50"), Some("EUR")), "1\u{202f}234,50 €");
        assert_eq!(amount(Lang::Nl, d("12.50"), Some("EUR")), "€ 12,50");
        assert_eq!(amount(Lang::En, d("1234567.05"), Some("EUR")), "€1,234,567.05");
        assert_eq!(amount(Lang::It, d("0.10"), Some("GBP")), "GBP 0,10");
        assert_eq!(amount(Lang::En, d("7.125"), None), "7.125", "never rounded");
        assert_eq!(amount(Lang::De, d("-0.05"), Some("CHF")), "CHF -0.05");
        assert_eq!(amount(Lang::En, d("0"), None), "0");
        assert_eq!(amount(Lang::En, d("1000000.00"), Some("USD")), "USD 1,000,000.00");
        assert_eq!(
            amount(Lang::En, d("79228162514264337593543950335"), None),
            "79,228,162,514,264,337,593,543,950,335"
        );
    }

    #[test]
    fn dates_in_the_tills_time_zone_or_marked_utc() {
        let zurich = Zone::parse("Europe/Zurich").unwrap();
        assert_eq!(date(Lang::De, "2026-11-01 09:30:00", Some(&zurich)), "01.11.2026 10:30");
        assert_eq!(date(Lang::De, "2026-07-01 09:30:00", Some(&zurich)), "01.07.2026 11:30", "summer time");
        assert_eq!(date(Lang::En, "2026-11-01 09:30:00", None), "2026-11-01 09:30 UTC");
        assert_eq!(date(Lang::Fr, "2026-11-01T23:30:00Z", Some(&Zone::parse("+01:00").unwrap())), "02/11/2026 00:30");
        assert_eq!(date(Lang::En, "soon", None), "soon", "shown as given, not guessed");
        assert!(Zone::parse("Mars/Olympus").is_none() && Zone::parse("+25:00").is_none());
    }
}
