package android.provider;

import android.net.Uri;

public final class ContactsContract {
    public static final String AUTHORITY = "com.android.contacts";
    public static final Uri AUTHORITY_URI = Uri.parse("content://com.android.contacts");

    private ContactsContract() {}

    public static class Contacts {
        public static final Uri CONTENT_URI = Uri.withAppendedPath(AUTHORITY_URI, "contacts");
        public static final String DISPLAY_NAME = "display_name";
        public static final String HAS_PHONE_NUMBER = "has_phone_number";
        public static final String LOOKUP_KEY = "lookup";
        public static final String _ID = "_id";

        private Contacts() {}
    }

    public static final class RawContacts {
        public static final Uri CONTENT_URI = Uri.withAppendedPath(AUTHORITY_URI, "raw_contacts");

        private RawContacts() {}
    }

    public static final class Data {
        public static final Uri CONTENT_URI = Uri.withAppendedPath(AUTHORITY_URI, "data");
        public static final String MIMETYPE = "mimetype";
        public static final String CONTACT_ID = "contact_id";

        private Data() {}
    }

    public static final class CommonDataKinds {
        private CommonDataKinds() {}

        public static final class Phone {
            public static final Uri CONTENT_URI = Uri.withAppendedPath(Data.CONTENT_URI, "phones");
            public static final String CONTENT_ITEM_TYPE = "vnd.android.cursor.item/phone_v2";
            public static final String NUMBER = "data1";
            public static final String TYPE = "data2";
            public static final String NORMALIZED_NUMBER = "data4";
            public static final String DISPLAY_NAME = "display_name";
            public static final String CONTACT_ID = "contact_id";

            private Phone() {}
        }

        public static final class Email {
            public static final Uri CONTENT_URI = Uri.withAppendedPath(Data.CONTENT_URI, "emails");
            public static final String CONTENT_ITEM_TYPE = "vnd.android.cursor.item/email_v2";
            public static final String ADDRESS = "data1";
            public static final String DISPLAY_NAME = "data4";

            private Email() {}
        }
    }
}
