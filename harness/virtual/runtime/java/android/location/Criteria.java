package android.location;

public class Criteria {
    public Criteria() {}
}
