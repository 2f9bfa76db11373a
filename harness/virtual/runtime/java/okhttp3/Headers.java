package okhttp3;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

public final class Headers {
    private final String[] namesAndValues;

    Headers(List<String> namesAndValues) { this.namesAndValues = namesAndValues.toArray(new String[0]); }

    public static Headers of(String... namesAndValues) {
        List<String> l = new ArrayList<>();
        Collections.addAll(l, namesAndValues);
        return new Headers(l);
    }

    public int size() { return namesAndValues.length / 2; }
    public String name(int index) { return namesAndValues[index * 2]; }
    public String value(int index) { return namesAndValues[index * 2 + 1]; }

    public String get(String name) {
        for (int i = namesAndValues.length - 2; i >= 0; i -= 2) {
            if (name.equalsIgnoreCase(namesAndValues[i])) {
                return namesAndValues[i + 1];
            }
        }
        return null;
    }

    public Set<String> names() {
        Set<String> s = new LinkedHashSet<>();
        for (int i = 0; i < size(); i++) {
            s.add(name(i));
        }
        return s;
    }

    public Builder newBuilder() {
        Builder b = new Builder();
        Collections.addAll(b.namesAndValues, namesAndValues);
        return b;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < size(); i++) {
            b.append(name(i)).append(": ").append(value(i)).append("\n");
        }
        return b.toString();
    }

    public static final class Builder {
        final List<String> namesAndValues = new ArrayList<>(20);

        public Builder() {}

        public Builder add(String name, String value) {
            namesAndValues.add(name);
            namesAndValues.add(value.trim());
            return this;
        }

        public Builder set(String name, String value) {
            removeAll(name);
            return add(name, value);
        }

        public Builder removeAll(String name) {
            for (int i = 0; i < namesAndValues.size(); i += 2) {
                if (name.equalsIgnoreCase(namesAndValues.get(i))) {
                    namesAndValues.remove(i);
                    namesAndValues.remove(i);
                    i -= 2;
                }
            }
            return this;
        }

        public Headers build() { return new Headers(namesAndValues); }
    }
}
