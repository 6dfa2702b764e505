using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace MarketingBot.Requests;

/// <summary>Reads the parts of an answer: list items, ticked checkboxes, links, dates, numbers, durations.</summary>
public static partial class Answers
{
    /// <summary>Ticked <c>- [X] Option</c> lines when there are checkboxes, else the lines or comma-separated items.</summary>
    public static IReadOnlyList<string> Items(string answer, bool splitOnCommas)
    {
        var lines = answer.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var boxes = lines.Select(l => Checkbox().Match(l)).Where(m => m.Success).ToList();
        if (boxes.Count > 0) return boxes.Where(m => m.Groups[1].Value is "x" or "X").Select(m => m.Groups[2].Value.Trim()).ToList();
        var items = lines.Select(l => Bullet().Replace(l, ""));
        if (splitOnCommas) items = items.SelectMany(l => l.Split(',', StringSplitOptions.TrimEntries));
        return items.Where(i => i.Length > 0).ToList();
    }

    /// <summary>Words of a list answer such as hashtags: split on spaces, commas and lines.</summary>
    public static IReadOnlyList<string> Words(string answer) =>
        Items(answer, splitOnCommas: true).SelectMany(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    /// <summary>Every link-looking token: bare, in angle brackets or as a markdown link's target.</summary>
    public static IReadOnlyList<string> Links(string answer) =>
        Items(answer, splitOnCommas: false)
            .SelectMany(line => MarkdownLink().Matches(line) is { Count: > 0 } links
                ? links.Select(m => m.Groups[1].Value)
                : line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Trim('<', '>', '(', ')')))
            .ToList();

    public static bool IsWebLink(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Contains('.');

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy/MM/dd", "yyyy.MM.dd",
        "d MMMM yyyy", "d MMM yyyy", "d MMMM, yyyy", "d MMM, yyyy",
        "MMMM d yyyy", "MMMM d, yyyy", "MMM d yyyy", "MMM d, yyyy",
        "dddd d MMMM yyyy", "dddd, d MMMM yyyy", "dddd, MMMM d, yyyy", "ddd d MMM yyyy", "ddd, d MMM yyyy",
    ];

    /// <summary>ISO dates and written ones in English (<c>1 December 2026</c>, <c>Dec 1st, 2026</c>); numeric day/month orders are ambiguous and refused.</summary>
    public static bool TryParseDate(string text, out DateOnly date)
    {
        var cleaned = Ordinal().Replace(text.Trim().TrimEnd('.'), "$1");
        cleaned = Whitespace().Replace(cleaned, " ");
        if (IsoDateTime().Match(cleaned) is { Success: true } iso) cleaned = iso.Groups[1].Value;
        return DateOnly.TryParseExact(cleaned, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out date);
    }

    /// <summary>Amounts such as <c>12,500</c>, <c>€12500</c> or <c>12 500.50</c>.</summary>
    public static bool TryParseNumber(string text, out decimal number) =>
        decimal.TryParse(NumberNoise().Replace(text.Trim(), ""), NumberStyles.Number, CultureInfo.InvariantCulture, out number);

    private const decimal MaxDurationHours = 24 * 366 * 10;

    /// <summary>Durations like <c>3h</c>, <c>90m</c>, <c>1.5 hours</c>, <c>1d</c>; a day is a working day of 8 hours (a week 40),
    /// or with <paramref name="calendar"/> 24 hours (a week 7 days), as for how long to snooze.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, bool calendar = false)
    {
        duration = TimeSpan.Zero;
        var match = Duration().Match(text.Trim());
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) || amount > MaxDurationHours)
            return false;
        var hours = char.ToLowerInvariant(match.Groups[2].Value[0]) switch
        {
            'm' => amount / 60,
            'h' => amount,
            'd' => amount * (calendar ? 24 : 8),
            _ => amount * (calendar ? 168 : 40),
        };
        // Beyond ten years no one means it; it would also overflow TimeSpan.
        if (hours <= 0 || hours > MaxDurationHours) return false;
        duration = TimeSpan.FromHours((double)hours);
        return true;
    }

    /// <summary>
    /// User text quoted in the bot's words: entities decoded first (so <c>&amp;#64;</c> cannot
    /// slip through), mentions and comment openers broken, one line, shortened, and inside a code
    /// span, so it can neither ping anyone nor read as the bot's own text or markers.
    /// </summary>
    /// <summary>
    /// Text from a file or a person set among the bot's own words (a section's label in bold, a type's name in a heading):
    /// markdown and HTML characters are escaped and "@" and "&lt;!--" broken, so it cannot mention anyone, link, show an
    /// image, or carry one of the bot's hidden markers.
    /// </summary>
    public static string Plain(string text)
    {
        var flat = Defuse(WebUtility.HtmlDecode(text));
        var escaped = new System.Text.StringBuilder(flat.Length + 8);
        foreach (var c in flat)
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '<' or '>' or '!' or '|' or '~' or '#') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>On one line; a broken "@" pings no one, and a broken "&lt;!--" cannot carry one of the bot's hidden markers, by which it finds its own comments.</summary>
    private static string Defuse(string text) => Whitespace().Replace(text, " ").Trim().Replace("@", "@\u200B").Replace("<!--", "<!\u200B--");

    public static string Quote(string userText, int maxLength = 60)
    {
        var text = userText;
        for (var i = 0; i < 3 && WebUtility.HtmlDecode(text) is var decoded && decoded != text; i++) text = decoded;
        text = Defuse(text);
        if (text.Length > maxLength) text = text[..maxLength].TrimEnd() + "…";
        var longestRun = BacktickRun().Matches(text).Select(m => m.Length).DefaultIfEmpty(0).Max();
        var fence = new string('`', longestRun + 1);
        var pad = text.StartsWith('`') || text.EndsWith('`') ? " " : "";
        return $"{fence}{pad}{text}{pad}{fence}";
    }

    [GeneratedRegex(@"^[-*+]\s+\[( |x|X)\]\s*(.*)$")]
    private static partial Regex Checkbox();

    [GeneratedRegex(@"^([-*+]|\d+[.)])\s+")]
    private static partial Regex Bullet();

    [GeneratedRegex(@"\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(\d)(st|nd|rd|th)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Ordinal();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")]
    private static partial Regex IsoDateTime();

    [GeneratedRegex(@"[\s,$€£¥]")]
    private static partial Regex NumberNoise();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|weeks?)$", RegexOptions.IgnoreCase)]
    private static partial Regex Duration();

    [GeneratedRegex("`+")]
    private static partial Regex BacktickRun();
}
