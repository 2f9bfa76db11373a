package android.location;

public class Location {
    private final String provider;
    private double latitude;
    private double longitude;
    private float accuracy;
    private long time;
    private boolean mock;

    public Location(String provider) { this.provider = provider; }

    public String getProvider() { return provider; }
    public double getLatitude() { return latitude; }
    public void setLatitude(double latitude) { this.latitude = latitude; }
    public double getLongitude() { return longitude; }
    public void setLongitude(double longitude) { this.longitude = longitude; }
    public float getAccuracy() { return accuracy; }
    public void setAccuracy(float accuracy) { this.accuracy = accuracy; }
    public long getTime() { return time; }
    public void setTime(long time) { this.time = time; }
    /** True for a location from a test provider (API 31; isFromMockProvider before). */
    public boolean isMock() { return mock; }
    public void setMock(boolean mock) { this.mock = mock; }
    @Deprecated
    public boolean isFromMockProvider() { return mock; }

    @Override
    public String toString() { return "Location[" + provider + " " + latitude + "," + longitude + " acc=" + accuracy + "]"; }
}
