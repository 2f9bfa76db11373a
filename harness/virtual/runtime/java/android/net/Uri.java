package android.net;

/** android.net.Uri (abstract in Android; parse() returns an immutable implementation). */
public abstract class Uri implements Comparable<Uri> {
    Uri() {}

    public static Uri parse(String uriString) {
        return new StringUri(uriString);
    }

    public static Uri withAppendedPath(Uri baseUri, String pathSegment) {
        String b = baseUri.toString();
        return parse(b.endsWith("/") ? b + pathSegment : b + "/" + pathSegment);
    }

    public abstract String getScheme();

    public abstract String getAuthority();

    public abstract String getPath();

    public abstract String getHost();

    public abstract java.util.List<String> getPathSegments();

    public String getLastPathSegment() {
        java.util.List<String> s = getPathSegments();
        return s.isEmpty() ? null : s.get(s.size() - 1);
    }

    public abstract String toString();

    @Override
    public boolean equals(Object o) {
        return o instanceof Uri && toString().equals(o.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public int compareTo(Uri other) {
        return toString().compareTo(other.toString());
    }

    private static final class StringUri extends Uri {
        private final String s;

        StringUri(String s) {
            this.s = s;
        }

        @Override
        public String getScheme() {
            int c = s.indexOf(':');
            return c < 0 ? null : s.substring(0, c);
        }

        private String rest() {
            int c = s.indexOf("://");
            return c < 0 ? "" : s.substring(c + 3);
        }

        @Override
        public String getAuthority() {
            String r = rest();
            int slash = r.indexOf('/');
            return slash < 0 ? r : r.substring(0, slash);
        }

        @Override
        public String getHost() {
            String a = getAuthority();
            int colon = a.indexOf(':');
            return colon < 0 ? a : a.substring(0, colon);
        }

        @Override
        public String getPath() {
            String r = rest();
            int slash = r.indexOf('/');
            if (slash < 0) {
                return "";
            }
            String p = r.substring(slash);
            int q = p.indexOf('?');
            return q < 0 ? p : p.substring(0, q);
        }

        @Override
        public java.util.List<String> getPathSegments() {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (String seg : getPath().split("/")) {
                if (!seg.isEmpty()) {
                    out.add(seg);
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
