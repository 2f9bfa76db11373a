package android.os;

import java.util.LinkedHashMap;
import java.util.Set;

public final class Bundle {
    private final LinkedHashMap<String, Object> map = new LinkedHashMap<>();

    public Bundle() {}

    public void putString(String key, String value) { map.put(key, value); }
    public void putStringArray(String key, String[] value) { map.put(key, value); }
    public void putInt(String key, int value) { map.put(key, value); }
    public String getString(String key) { Object v = map.get(key); return v instanceof String ? (String) v : null; }
    public String[] getStringArray(String key) { Object v = map.get(key); return v instanceof String[] ? (String[]) v : null; }
    public int getInt(String key) { Object v = map.get(key); return v instanceof Integer ? (Integer) v : 0; }
    public Object get(String key) { return map.get(key); }
    public boolean containsKey(String key) { return map.containsKey(key); }
    public Set<String> keySet() { return map.keySet(); }
    public int size() { return map.size(); }
}
