package android.content;

import java.util.ArrayList;
import java.util.List;

public class ClipData {
    private final CharSequence label;
    private final List<Item> items = new ArrayList<>();

    public ClipData(CharSequence label, String[] mimeTypes, Item item) {
        this.label = label;
        items.add(item);
    }

    public static ClipData newPlainText(CharSequence label, CharSequence text) {
        return new ClipData(label, new String[] {"text/plain"}, new Item(text));
    }

    public int getItemCount() { return items.size(); }
    public Item getItemAt(int index) { return items.get(index); }
    public void addItem(Item item) { items.add(item); }

    @Override
    public String toString() { return "ClipData{" + label + " " + items + "}"; }

    public static class Item {
        private final CharSequence text;

        public Item(CharSequence text) { this.text = text; }

        public CharSequence getText() { return text; }

        @Override
        public String toString() { return "ClipData.Item{T:" + text + "}"; }
    }
}
