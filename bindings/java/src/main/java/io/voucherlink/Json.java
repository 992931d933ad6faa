package io.voucherlink;

/** Reads one member of the library's JSON documents (no JSON library needed for these few fields). */
final class Json {
    private Json() {
    }

    /**
     * The first member {@code key} of a document: a string's value unescaped, a number or boolean as
     * written; null for null or when absent.
     */
    static String text(String document, String key) {
        if (document == null) {
            return null;
        }
        int at = document.indexOf("\"" + key + "\":");
        if (at < 0) {
            return null;
        }
        int i = at + key.length() + 3;
        if (i >= document.length()) {
            return null;
        }
        if (document.charAt(i) != '"') {
            int end = i;
            while (end < document.length() && ",}]".indexOf(document.charAt(end)) < 0) {
                end++;
            }
            String raw = document.substring(i, end).trim();
            return raw.equals("null") ? null : raw;
        }
        StringBuilder out = new StringBuilder();
        for (i = i + 1; i < document.length(); i++) {
            char c = document.charAt(i);
            if (c == '"') {
                break;
            }
            if (c == '\\' && i + 1 < document.length()) {
                char e = document.charAt(++i);
                switch (e) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'f': c = '\f'; break;
                    case 'u':
                        c = (char) Integer.parseInt(document.substring(i + 1, i + 5), 16);
                        i += 4;
                        break;
                    default: c = e;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
