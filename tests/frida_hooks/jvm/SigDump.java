import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Test tool: prints one line per method named by "Class#method" arguments, found on the class or
 * a superclass (as Frida would): "cls#method|declaringClass|modifiers|param,param" or "cls#method|MISSING";
 * a plain "Class" argument prints "Class|CLASS|modifiers".
 */
public final class SigDump {
    private SigDump() {}

    public static void main(String[] args) {
        for (String arg : args) {
            int hash = arg.indexOf('#');
            String cls = hash < 0 ? arg : arg.substring(0, hash);
            String name = hash < 0 ? null : arg.substring(hash + 1);
            Class<?> c;
            try {
                c = Class.forName(cls, false, SigDump.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                System.out.println(arg + "|MISSING");
                continue;
            }
            if (name == null) {
                System.out.println(arg + "|CLASS|" + Modifier.toString(c.getModifiers()
                        & (Modifier.PUBLIC | Modifier.FINAL | Modifier.ABSTRACT | Modifier.STATIC | Modifier.INTERFACE)));
                continue;
            }
            boolean any = false;
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                for (Method m : k.getDeclaredMethods()) {
                    if (!m.getName().equals(name) || m.isSynthetic() || m.isBridge()) {
                        continue;
                    }
                    List<String> params = new ArrayList<>();
                    for (Class<?> p : m.getParameterTypes()) {
                        params.add(p.getName());
                    }
                    System.out.println(arg + "|" + k.getName() + "|" + Modifier.toString(m.getModifiers()) + "|"
                            + String.join(",", params));
                    any = true;
                }
            }
            if (!any) {
                System.out.println(arg + "|NOMETHOD");
            }
        }
    }
}
