package cortado.data.collect;

import cortado.data.text.BadInputException;
import cortado.data.text.Document;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The articles of a MediaWiki XML export ({@code pages-articles.xml}: {@code <mediawiki><siteinfo>...<page><title>,
 * <ns>, <id>, [<redirect/>], <revision>...<text>}), streamed with the JDK's StAX parser: one page's text is held at
 * a time. Articles are pages of namespace 0 that are not redirects; other pages are skipped and counted
 * ({@code wikipedia.namespace}, {@code wikipedia.redirect}, {@code wikipedia.empty} for pages whose text converts to
 * nothing). A page with several revisions (a history dump) gives its last. The URL is the site's base URL (from
 * {@code <siteinfo><base>}) with the title, spaces as underscores.
 *
 * <p>DTDs and external entities are refused (a dump has none; this closes XXE). The JDK's limit on the accumulated
 * size of entity references is lifted: every {@code &lt;} in wikitext counts towards it, and a full dump would pass
 * the default 50 MB. Errors name the file, the XML line and column, and the page being read.
 */
public final class WikipediaDumpReader implements RecordSource {
    private final XMLStreamReader xml;
    private final InputStream in;
    private final String file;
    private final Consumer<String> skipped;
    private String base; // URL prefix for titles
    private String currentTitle;

    public WikipediaDumpReader(InputStream in, String file, Consumer<String> skipped) throws IOException {
        this.in = in;
        this.file = file;
        this.skipped = skipped;
        // The JDK's own StAX parser: the jdk.xml limits below are its properties, and a classpath may bring another
        // (Spark and Hadoop bring Woodstox, which refuses them).
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        f.setProperty("jdk.xml.totalEntitySizeLimit", "0");
        f.setProperty("jdk.xml.maxGeneralEntitySizeLimit", "0");
        try {
            // Dumps are UTF-8; decoding here replaces invalid bytes by U+FFFD as every other reader does, where the
            // parser would stop at the first one.
            xml = f.createXMLStreamReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
            while (xml.hasNext() && xml.next() != XMLStreamConstants.START_ELEMENT) { }
            if (!xml.isStartElement() || !xml.getLocalName().equals("mediawiki"))
                throw new BadInputException(file, "not a MediaWiki XML dump (no <mediawiki> root element)");
        } catch (XMLStreamException e) {
            throw bad(e);
        }
    }

    /** Whether {@code file} (gzip-compressed if {@code gz}) starts, within its first 4 KiB, a {@code <mediawiki>} root. */
    public static boolean isDump(java.nio.file.Path file, boolean gz) throws IOException {
        try (InputStream raw = java.nio.file.Files.newInputStream(file);
             InputStream in = gz ? new java.util.zip.GZIPInputStream(raw) : raw) {
            String head = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            int i = 0;
            while (true) { // skip the XML declaration, comments and processing instructions before the root
                i = head.indexOf('<', i);
                if (i < 0 || i + 1 >= head.length()) return false;
                char c = head.charAt(i + 1);
                if (c != '?' && c != '!') return head.startsWith("<mediawiki", i);
                i++;
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            return false; // not gzip after all: reading it as text will say what is wrong
        }
    }

    @Override
    public Document next() throws IOException {
        try {
            while (xml.hasNext()) {
                if (xml.next() != XMLStreamConstants.START_ELEMENT) continue;
                switch (xml.getLocalName()) {
                    case "base" -> base = baseOf(xml.getElementText().strip());
                    case "page" -> {
                        Document d = page();
                        if (d != null) return d;
                    }
                    default -> { }
                }
            }
            return null;
        } catch (XMLStreamException e) {
            throw bad(e);
        }
    }

    /** Reads one {@code <page>} up to its end tag; null when it is not an article. */
    private Document page() throws XMLStreamException {
        String title = null, id = null, ns = "0", text = null;
        boolean redirect = false;
        currentTitle = null;
        int depth = 1;
        while (depth > 0 && xml.hasNext()) {
            int ev = xml.next();
            if (ev == XMLStreamConstants.END_ELEMENT) { depth--; continue; }
            if (ev != XMLStreamConstants.START_ELEMENT) continue;
            String name = xml.getLocalName();
            if (depth == 1 && name.equals("title")) { title = xml.getElementText().strip(); currentTitle = title; }
            else if (depth == 1 && name.equals("ns")) ns = xml.getElementText().strip();
            else if (depth == 1 && name.equals("id")) id = xml.getElementText().strip();
            else if (depth == 1 && name.equals("redirect")) { redirect = true; depth++; }
            else if (depth == 2 && name.equals("text")) text = xml.getElementText();
            else depth++;
        }
        if (!ns.equals("0")) { skipped.accept("wikipedia.namespace"); return null; }
        if (redirect || (text != null && text.regionMatches(true, 0, "#REDIRECT", 0, 9))) {
            skipped.accept("wikipedia.redirect");
            return null;
        }
        String plain = text == null ? "" : WikitextToText.convert(text);
        if (plain.isEmpty()) { skipped.accept("wikipedia.empty"); return null; }
        String url = base == null || title == null ? null : base + title.replace(' ', '_');
        return new Document(file + "#" + (id != null ? id : title), plain,
                new Provenance(SourceKind.WIKIPEDIA, file, id, url, title));
    }

    /** "https://en.wikipedia.org/wiki/Main_Page" to "https://en.wikipedia.org/wiki/". */
    private static String baseOf(String mainPage) {
        int slash = mainPage.lastIndexOf('/');
        return slash < 0 ? null : mainPage.substring(0, slash + 1);
    }

    private BadInputException bad(XMLStreamException e) {
        var loc = e.getLocation();
        String where = loc == null || loc.getLineNumber() < 0 ? file : file + ":" + loc.getLineNumber() + ":" + loc.getColumnNumber();
        String msg = e.getMessage();
        int nl = msg == null ? -1 : msg.lastIndexOf("Message: ");
        if (nl >= 0) msg = msg.substring(nl + 9);
        return new BadInputException(where, "invalid XML" + (currentTitle != null ? " in page '" + currentTitle + "'" : "")
                + ": " + msg);
    }

    @Override
    public void close() throws IOException {
        try {
            xml.close();
        } catch (XMLStreamException e) {
            // nothing held
        }
        in.close();
    }
}
