package cortado.data.collect;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts an HTML page into text blocks (paragraphs, headings, list items, cells), counting the characters of each that
 * sit inside links, after dropping what is never main text. A lenient scanner, not a full HTML5 tree builder: it
 * keeps a stack of open elements, closes to the nearest matching open element, and closes an open {@code <p>} or
 * {@code <li>} where HTML would imply it.
 *
 * <p>Dropped with their content, as Trafilatura's tree cleaning does (its {@code MANUALLY_CLEANED} tags and
 * boilerplate class/id patterns): {@code script, style, noscript, template, svg, iframe, ...}; forms and their
 * controls; {@code nav, aside, menu, dialog}; {@code header} and {@code footer} unless they belong to an
 * {@code article} or {@code main} (HTML5: there they are the article's own header, with its title); elements whose
 * ARIA role is a landmark of the site rather than the content ({@code navigation, banner, contentinfo,
 * complementary, search, menu}); and elements whose class or id has a part (split at '-' and '_') naming site
 * furniture: {@code nav, menu, sidebar, breadcrumb, cookie, share, social, ad, promo, related, newsletter, ...},
 * and forum user boxes ({@code userinfo}, phpBB's {@code postprofile}, {@code avatar}, {@code profile}), whose short
 * link-dense blocks would otherwise make jusText's context rule drop the short posts between them.
 */
final class HtmlBlocks {
    /** One block: whitespace-collapsed text, how many of its characters are link text, and whether it is a heading. */
    record Block(String text, int linkChars, boolean heading) {
        double linkDensity() { return text.isEmpty() ? 0 : (double) linkChars / text.length(); }
    }

    /** The blocks in document order and the page's {@code <title>} (null if none). */
    record Page(String title, List<Block> blocks) {}

    private static final Set<String> RAW = Set.of("script", "style", "noscript", "template", "svg", "math", "iframe",
            "object", "embed", "canvas", "textarea", "select", "title");
    private static final Set<String> VOID = Set.of("area", "base", "br", "col", "embed", "hr", "img", "input", "link",
            "meta", "param", "source", "track", "wbr", "keygen");
    private static final Set<String> BLOCK = Set.of("address", "article", "aside", "blockquote", "body", "caption",
            "center", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
            "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "nav", "ol", "p", "pre",
            "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "option");
    private static final Set<String> DROP = Set.of("nav", "aside", "menu", "dialog", "form", "button", "label",
            "fieldset", "input");
    private static final Set<String> DROP_ROLES = Set.of("navigation", "banner", "contentinfo", "complementary",
            "search", "menu", "menubar", "dialog", "alert");
    private static final Set<String> DROP_CLASS_PARTS = Set.of("nav", "navbar", "navigation", "menu", "sidebar",
            "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "share", "sharing", "social", "ad", "ads",
            "advert", "advertisement", "promo", "sponsor", "sponsored", "related", "recommended", "newsletter",
            "subscribe", "signup", "popup", "modal", "widget", "pagination", "pager", "toolbar", "masthead", "banner",
            "skiplink", "footer", "userinfo", "postprofile", "avatar", "profile");
    private static final Pattern ATTR = Pattern.compile(
            "(class|id|role)\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))", Pattern.CASE_INSENSITIVE);

    private final String html;
    private int pos;
    private final Deque<String> stack = new ArrayDeque<>();
    private int dropBelow = -1; // dropping while the stack is deeper than this
    private int links;          // open <a> elements
    private int pre;            // open <pre> elements
    private final StringBuilder cur = new StringBuilder();
    private int curLinkChars;
    private boolean curHeading;
    private boolean lastBr;
    private String title;
    private final List<Block> blocks = new ArrayList<>();

    private HtmlBlocks(String html) { this.html = html; }

    static Page parse(String html) {
        HtmlBlocks p = new HtmlBlocks(html);
        p.run();
        return new Page(p.title, p.blocks);
    }

    private void run() {
        int n = html.length();
        while (pos < n) {
            int lt = html.indexOf('<', pos);
            if (lt < 0) lt = n;
            if (lt > pos) text(html.substring(pos, lt));
            pos = lt;
            if (pos >= n) break;
            if (html.startsWith("<!--", pos)) {
                int end = html.indexOf("-->", pos + 4);
                pos = end < 0 ? n : end + 3;
            } else if (pos + 1 < n && (html.charAt(pos + 1) == '!' || html.charAt(pos + 1) == '?')) {
                int end = html.indexOf('>', pos);
                pos = end < 0 ? n : end + 1;
            } else if (pos + 1 < n && (html.charAt(pos + 1) == '/' || Character.isLetter(html.charAt(pos + 1)))) {
                tag();
            } else {
                text("<");
                pos++;
            }
        }
        flush();
    }

    private void tag() {
        boolean close = html.charAt(pos + 1) == '/';
        int s = pos + (close ? 2 : 1), e = s;
        while (e < html.length() && (Character.isLetterOrDigit(html.charAt(e)) || html.charAt(e) == '-' || html.charAt(e) == ':')) e++;
        String name = html.substring(s, e).toLowerCase(Locale.ROOT);
        int end = tagEnd(e);
        String attrs = html.substring(e, Math.max(e, end - 1));
        pos = end;
        if (name.isEmpty()) return;
        if (close) closeTag(name);
        else openTag(name, attrs);
    }

    /** The index after the '>' that ends a tag starting at {@code i}, skipping quoted attribute values. */
    private int tagEnd(int i) {
        char quote = 0;
        for (; i < html.length(); i++) {
            char c = html.charAt(i);
            if (quote != 0) { if (c == quote) quote = 0; }
            else if (c == '"' || c == '\'') quote = c;
            else if (c == '>') return i + 1;
        }
        return html.length();
    }

    private boolean dropping() { return dropBelow >= 0; }

    private void openTag(String name, String attrs) {
        if (RAW.contains(name)) {
            if (attrs.endsWith("/")) return;
            int close = indexOfIgnoreCase("</" + name, pos);
            String content = html.substring(pos, close < 0 ? html.length() : close);
            if (name.equals("title") && title == null && !dropping()) title = collapse(HtmlEntities.decode(content)).strip();
            pos = close < 0 ? html.length() : tagEnd(close);
            return;
        }
        if (name.equals("br")) {
            if (dropping()) return;
            if (lastBr) flush(); // <br><br> separates paragraphs, as in jusText
            else appendSpace();
            lastBr = true;
            return;
        }
        if (BLOCK.contains(name)) {
            if (!stack.isEmpty() && (stack.peek().equals("p") || (name.equals("li") && stack.peek().equals("li")))) pop();
            flush();
        }
        if (VOID.contains(name) || attrs.endsWith("/")) return;
        if (!dropping() && drops(name, attrs)) dropBelow = stack.size();
        stack.push(name);
        if (name.equals("a")) links++;
        if (name.equals("pre")) pre++;
        if (name.length() == 2 && name.charAt(0) == 'h' && name.charAt(1) >= '1' && name.charAt(1) <= '6') curHeading = true;
    }

    private void closeTag(String name) {
        if (!stack.contains(name)) return;
        if (BLOCK.contains(name)) flush();
        while (!stack.isEmpty()) if (pop().equals(name)) break;
    }

    private String pop() {
        String top = stack.pop();
        if (top.equals("a")) links--;
        if (top.equals("pre")) pre--;
        if (dropping() && stack.size() <= dropBelow) dropBelow = -1;
        return top;
    }

    private boolean drops(String name, String attrs) {
        if (DROP.contains(name)) return true;
        if ((name.equals("header") || name.equals("footer")) && !stack.contains("article") && !stack.contains("main"))
            return true;
        Matcher m = ATTR.matcher(attrs);
        while (m.find()) {
            String key = m.group(1).toLowerCase(Locale.ROOT);
            String value = (m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4)).toLowerCase(Locale.ROOT);
            if (key.equals("role")) {
                if (DROP_ROLES.contains(value.strip())) return true;
                continue;
            }
            for (String token : value.split("\\s+"))
                for (String part : token.split("[-_]")) if (DROP_CLASS_PARTS.contains(part)) return true;
        }
        return false;
    }

    private void text(String raw) {
        if (dropping()) return;
        String t = HtmlEntities.decode(raw);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n' && pre > 0) {
                cur.append('\n');
                continue;
            }
            if (Character.isWhitespace(c) || c == '\u00a0') {
                appendSpace();
                continue;
            }
            cur.append(c);
            if (links > 0) curLinkChars++;
            lastBr = false;
        }
    }

    private void appendSpace() {
        if (cur.length() > 0 && cur.charAt(cur.length() - 1) != ' ' && cur.charAt(cur.length() - 1) != '\n') {
            cur.append(' ');
            if (links > 0) curLinkChars++;
        }
    }

    private void flush() {
        String t = cur.toString().strip();
        if (!t.isEmpty()) blocks.add(new Block(t, Math.min(curLinkChars, t.length()), curHeading));
        cur.setLength(0);
        curLinkChars = 0;
        curHeading = false;
        lastBr = false;
    }

    private int indexOfIgnoreCase(String needle, int from) {
        for (int i = from; i <= html.length() - needle.length(); i++)
            if (html.regionMatches(true, i, needle, 0, needle.length())) return i;
        return -1;
    }

    private static String collapse(String s) { return s.replaceAll("\\s+", " "); }
}
