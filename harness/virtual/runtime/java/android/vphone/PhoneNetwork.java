package android.vphone;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * THE VIRTUAL PHONE'S NETWORK SET-UP OF AN APP PROCESS (not an Android class): what Android's
 * ActivityThread and network stack give every app process, installed by ActivityThread.main.
 * <ul>
 * <li>Trust: the process's default TLS trust store holds every certificate (PEM or DER) in the CA
 *     folders the app may trust, read once at start (system property {@code vphone.cacerts}, folders
 *     separated by the path separator; which ones is Android's rule, see harness.virtual.net.trust).
 *     A file that is not a certificate is skipped, as Android's certificate store skips it.</li>
 * <li>Proxy: the default ProxySelector answers with the phone's global HTTP proxy (the global
 *     setting {@code http_proxy}, {@code HOST[:PORT]}, port 8080 if left out; empty, absent or
 *     {@code :0}: none), read at every request, so a proxy set or cleared mid-run applies to the next
 *     request.  Only http and https URLs go through it: a plain java.net.Socket to a host and port
 *     never does (ProxySelector gets "socket://" for those).</li>
 * <li>Loopback: {@code 127.0.0.1}, {@code localhost} and {@code ::1} are the phone's own loopback
 *     (system property {@code vphone.loopback}, an address of the phone's own on the host, where its
 *     adb reverse ports listen); {@link #address} translates them for the phone's HTTP stacks.</li>
 * </ul>
 */
public final class PhoneNetwork {
    public static final String CACERTS_PROPERTY = "vphone.cacerts";
    public static final String LOOPBACK_PROPERTY = "vphone.loopback";
    private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "::1", "ip6-localhost");
    private static final String STORE_PASSWORD = "changeit";

    private PhoneNetwork() {}

    /** Trust and proxy selection of this process; the proxy where the system's settings are (the
     *  phone's binder, or a snapshot file: see SystemBridge). */
    public static void install() {
        installTrust();
        if (Binder.available() || System.getProperty(SystemBridge.PROPERTY) != null) {
            ProxySelector.setDefault(new GlobalProxySelector());
        }
    }

    /** {@code host:port} as this phone reaches it: the phone's loopback for 127.0.0.1/localhost. */
    public static InetSocketAddress address(String host, int port) {
        String loopback = System.getProperty(LOOPBACK_PROPERTY);
        if (loopback != null && !loopback.isEmpty() && host != null && LOOPBACK_NAMES.contains(host.toLowerCase())) {
            return new InetSocketAddress(loopback, port);  // an IP literal: no name lookup
        }
        return new InetSocketAddress(host, port);
    }

    /** The phone's global HTTP proxy now, or null for none (ProxyTracker's reading of the setting). */
    public static Proxy globalProxy() {
        String value = SystemBridge.setting("global", "http_proxy");
        if (value == null || value.isEmpty()) {
            return null;
        }
        String[] parts = value.split(":");
        if (parts.length == 0 || parts[0].isEmpty()) {
            return null;  // ":0" clears the proxy
        }
        int port = 8080;
        if (parts.length > 1) {
            try {
                port = Integer.parseInt(parts[1].trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (port <= 0 || port > 65535) {
            return null;
        }
        return new Proxy(Proxy.Type.HTTP, address(parts[0].trim(), port));
    }

    /** The default ProxySelector of an app process on the virtual phone. */
    static final class GlobalProxySelector extends ProxySelector {
        @Override
        public List<Proxy> select(URI uri) {
            if (uri == null) {
                throw new IllegalArgumentException("URI can't be null.");
            }
            String scheme = uri.getScheme();
            if ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) {
                Proxy proxy = globalProxy();
                if (proxy != null) {
                    return List.of(proxy);
                }
            }
            return List.of(Proxy.NO_PROXY);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException e) {
            // no fallback list to re-order: the global proxy is the only one
        }
    }

    /** The trust of a process whose CA folders hold no certificate. */
    static final class NoAnchors implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("Trust anchor for certification path not found.");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("Trust anchor for certification path not found.");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private static void installTrust() {
        String folders = System.getProperty(CACERTS_PROPERTY);
        if (folders == null) {
            return;  // outside the phone: the JVM's own trust
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            int count = 0;
            for (String folder : folders.split(File.pathSeparator)) {
                File[] files = folder.isEmpty() ? null : new File(folder).listFiles();
                if (files == null) {
                    continue;
                }
                Arrays.sort(files);
                for (File file : files) {
                    if (!file.isFile()) {
                        continue;
                    }
                    try (InputStream in = new FileInputStream(file)) {
                        for (Certificate certificate : factory.generateCertificates(in)) {
                            store.setCertificateEntry("ca" + count++, certificate);
                        }
                    } catch (IOException | GeneralSecurityException e) {
                        // not a certificate: skipped
                    }
                }
            }
            if (count == 0) {  // no anchor at all: every server certificate fails, as on Android
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new NoAnchors()}, null);
                SSLContext.setDefault(context);
                return;
            }
            // the JVM's default trust (SSLContext.getDefault and every TrustManagerFactory.init(null))
            Path file = Files.createTempFile("vphone-trust-", ".p12");
            file.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, STORE_PASSWORD.toCharArray());
            }
            System.setProperty("javax.net.ssl.trustStore", file.toString());
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
            System.setProperty("javax.net.ssl.trustStorePassword", STORE_PASSWORD);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("vphone: cannot read the CA stores " + folders + ": " + e, e);
        }
    }
}
