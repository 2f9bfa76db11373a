package android.content;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

public final class ContentValues {
    private final LinkedHashMap<String, Object> values = new LinkedHashMap<>();

    public ContentValues() {}

    public void put(String key, String value) { values.put(key, value); }
    public void put(String key, Integer value) { values.put(key, value); }
    public void put(String key, Long value) { values.put(key, value); }
    public void put(String key, Boolean value) { values.put(key, value); }
    public void put(String key, byte[] value) { values.put(key, value); }
    public void putNull(String key) { values.put(key, null); }
    public Object get(String key) { return values.get(key); }

    public String getAsString(String key) {
        Object v = values.get(key);
        return v == null ? null : String.valueOf(v);
    }

    public boolean containsKey(String key) { return values.containsKey(key); }
    public int size() { return values.size(); }
    public Set<String> keySet() { return values.keySet(); }
    public Set<Map.Entry<String, Object>> valueSet() { return values.entrySet(); }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }
}
