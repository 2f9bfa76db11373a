package android.location;

public final class LocationRequest {
    private final long intervalMillis;

    private LocationRequest(long intervalMillis) { this.intervalMillis = intervalMillis; }

    public long getIntervalMillis() { return intervalMillis; }

    public static final class Builder {
        private final long interval;

        public Builder(long intervalMillis) { this.interval = intervalMillis; }

        public LocationRequest build() { return new LocationRequest(interval); }
    }
}
