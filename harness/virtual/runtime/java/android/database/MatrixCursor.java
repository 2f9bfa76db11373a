package android.database;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** android.database.MatrixCursor (the real one extends AbstractCursor; this one implements Cursor). */
public class MatrixCursor implements Cursor {
    private final String[] columns;
    private final List<Object[]> rows = new ArrayList<>();
    private int pos = -1;
    private boolean closed;

    public MatrixCursor(String[] columnNames) {
        this.columns = columnNames.clone();
    }

    public MatrixCursor(String[] columnNames, int initialCapacity) {
        this(columnNames);
    }

    public void addRow(Object[] columnValues) {
        if (columnValues.length != columns.length) {
            throw new IllegalArgumentException("columnNames.length = " + columns.length
                    + ", columnValues.length = " + columnValues.length);
        }
        rows.add(columnValues.clone());
    }

    public void addRow(Iterable<?> columnValues) {
        List<Object> l = new ArrayList<>();
        for (Object o : columnValues) {
            l.add(o);
        }
        addRow(l.toArray());
    }

    private Object cell(int column) {
        if (pos < 0 || pos >= rows.size()) {
            throw new CursorIndexOutOfBoundsException(pos, rows.size());
        }
        return rows.get(pos)[column];
    }

    @Override public int getCount() { return rows.size(); }
    @Override public int getPosition() { return pos; }
    @Override public boolean move(int offset) { return moveToPosition(pos + offset); }

    @Override
    public boolean moveToPosition(int position) {
        int count = rows.size();
        if (position >= count) {
            pos = count;
            return false;
        }
        if (position < 0) {
            pos = -1;
            return false;
        }
        pos = position;
        return true;
    }

    @Override public boolean moveToFirst() { return moveToPosition(0); }
    @Override public boolean moveToLast() { return moveToPosition(rows.size() - 1); }
    @Override public boolean moveToNext() { return moveToPosition(pos + 1); }
    @Override public boolean moveToPrevious() { return moveToPosition(pos - 1); }
    @Override public boolean isFirst() { return pos == 0 && !rows.isEmpty(); }
    @Override public boolean isLast() { return !rows.isEmpty() && pos == rows.size() - 1; }
    @Override public boolean isBeforeFirst() { return rows.isEmpty() || pos == -1; }
    @Override public boolean isAfterLast() { return rows.isEmpty() || pos == rows.size(); }
    @Override public int getColumnIndex(String columnName) { return Arrays.asList(columns).indexOf(columnName); }

    @Override
    public int getColumnIndexOrThrow(String columnName) {
        int i = getColumnIndex(columnName);
        if (i < 0) {
            throw new IllegalArgumentException("column '" + columnName + "' does not exist. Available columns: "
                    + Arrays.toString(columns));
        }
        return i;
    }

    @Override public String getColumnName(int columnIndex) { return columns[columnIndex]; }
    @Override public String[] getColumnNames() { return columns.clone(); }
    @Override public int getColumnCount() { return columns.length; }
    @Override public byte[] getBlob(int columnIndex) { Object v = cell(columnIndex); return v instanceof byte[] ? (byte[]) v : null; }
    @Override public String getString(int columnIndex) { Object v = cell(columnIndex); return v == null ? null : String.valueOf(v); }
    @Override public short getShort(int columnIndex) { return (short) getLong(columnIndex); }
    @Override public int getInt(int columnIndex) { return (int) getLong(columnIndex); }

    @Override
    public long getLong(int columnIndex) {
        Object v = cell(columnIndex);
        if (v instanceof Number) {
            return ((Number) v).longValue();
        }
        return v == null ? 0 : Long.parseLong(String.valueOf(v));
    }

    @Override public float getFloat(int columnIndex) { return (float) getDouble(columnIndex); }

    @Override
    public double getDouble(int columnIndex) {
        Object v = cell(columnIndex);
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        return v == null ? 0 : Double.parseDouble(String.valueOf(v));
    }

    @Override
    public int getType(int columnIndex) {
        Object v = cell(columnIndex);
        if (v == null) {
            return FIELD_TYPE_NULL;
        }
        if (v instanceof byte[]) {
            return FIELD_TYPE_BLOB;
        }
        if (v instanceof Float || v instanceof Double) {
            return FIELD_TYPE_FLOAT;
        }
        if (v instanceof Number) {
            return FIELD_TYPE_INTEGER;
        }
        return FIELD_TYPE_STRING;
    }

    @Override public boolean isNull(int columnIndex) { return cell(columnIndex) == null; }
    @Override public void close() { closed = true; }
    @Override public boolean isClosed() { return closed; }
}
