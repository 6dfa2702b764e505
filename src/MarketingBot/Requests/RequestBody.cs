using System.Text;
using System.Text.RegularExpressions;

namespace MarketingBot.Requests;

/// <summary>
/// Splits a request issue's body into the answers of its type's sections. Only a line naming one
/// of the type's own labels starts a section — as a heading (<c>### Channels</c>, how issue forms
/// render), a bold label (<c>**Channels:** LinkedIn</c>) or a plain label line (<c>Channels: LinkedIn</c>)
/// — and never inside a code fence, so headings, checkboxes and code inside an answer stay in it.
/// </summary>
public static partial class RequestBody
{
    /// <summary>Answers by section id; a section that is absent or left empty has no entry.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? body, RequestType type)
    {
        var labels = type.Sections.ToDictionary(s => NormalizeLabel(s.Label), s => s.Id);
        var answers = new Dictionary<string, StringBuilder>();
        StringBuilder? current = null;
        string? fence = null;
        foreach (var rawLine in (body ?? "").ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (fence is null && SectionStart(line, labels) is ({ } id, var rest) && !answers.ContainsKey(id))
            {
                current = answers[id] = new StringBuilder();
                if (rest.Length > 0) current.Append(rest).Append('\n');
                continue;
            }
            fence = NextFence(line, fence);
            current?.Append(line).Append('\n');
        }
        return answers
            .Select(a => (a.Key, Value: Clean(a.Value.ToString())))
            .Where(a => a.Value is not null)
            .ToDictionary(a => a.Key, a => a.Value!);
    }

    /// <summary>
    /// The body with one section's answer replaced — as a heading section or a label line, whichever
    /// the body uses — or, when the body lacks the section, added at the end as issue forms write it.
    /// Everything else stays as the requester wrote it.
    /// </summary>
    public static string WithAnswer(string? body, RequestType type, string sectionId, string answer)
    {
        var section = type.Sections.First(s => s.Id == sectionId);
        var labels = type.Sections.ToDictionary(s => NormalizeLabel(s.Label), s => s.Id);
        var lines = (body ?? "").ReplaceLineEndings("\n").Split('\n').ToList();
        var seen = new HashSet<string>();
        int? start = null;
        var end = lines.Count;
        string? fence = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].TrimEnd();
            if (fence is null && SectionStart(line, labels) is ({ } id, _) && seen.Add(id))
            {
                if (start is not null)
                {
                    end = i;
                    break;
                }
                if (id == sectionId) start = i;
                continue;
            }
            fence = NextFence(line, fence);
        }
        if (start is not { } at) return $"{(body ?? "").TrimEnd()}\n\n### {section.Label}\n\n{answer}\n";
        List<string> replacement = Heading().IsMatch(lines[at]) ? [lines[at], "", answer] : [$"**{section.Label}:** {answer}"];
        if (end < lines.Count) replacement.Add("");
        lines.RemoveRange(at, end - at);
        lines.InsertRange(at, replacement);
        return string.Join('\n', lines);
    }

    private static (string Id, string Remainder)? SectionStart(string line, Dictionary<string, string> labels)
    {
        var heading = Heading().Match(line);
        if (heading.Success && labels.TryGetValue(NormalizeLabel(heading.Groups[1].Value), out var id)) return (id, "");
        var bold = BoldLabel().Match(line);
        if (bold.Success && labels.TryGetValue(NormalizeLabel(bold.Groups[1].Value), out id))
            return (id, bold.Groups[2].Value.TrimStart(':').Trim());
        var plain = PlainLabel().Match(line);
        if (plain.Success && labels.TryGetValue(NormalizeLabel(plain.Groups[1].Value), out id)) return (id, plain.Groups[2].Value.Trim());
        return null;
    }

    /// <summary>Tracks fenced code: returns the open fence after this line, or null outside one.</summary>
    public static string? NextFence(string line, string? open)
    {
        var match = Fence().Match(line);
        if (!match.Success) return open;
        var marker = match.Groups[1].Value;
        if (open is null) return marker;
        return marker[0] == open[0] && marker.Length >= open.Length && match.Groups[2].Value.Trim().Length == 0 ? null : open;
    }

    /// <summary>Issue forms write <c>_No response_</c> for an empty optional field and <c>None</c> for an unselected dropdown.</summary>
    private static string? Clean(string answer)
    {
        var text = answer.Trim('\n', ' ', '\t');
        return text.Length == 0 || text == "_No response_" || text == "None" ? null : text;
    }

    /// <summary>Labels compare by their letters and digits only: case, emoji, punctuation and trailing colons do not matter.</summary>
    public static string NormalizeLabel(string label)
    {
        var normal = new StringBuilder(label.Length);
        foreach (var rune in label.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune)) normal.Append(Rune.ToLowerInvariant(rune));
            else if (normal.Length > 0 && normal[^1] != ' ') normal.Append(' ');
        }
        return normal.ToString().TrimEnd();
    }

    [GeneratedRegex(@"^ {0,3}#{1,6}\s+(.+?)\s*#*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^ {0,3}\*\*(.+?)\*\*(.*)$")]
    private static partial Regex BoldLabel();

    [GeneratedRegex(@"^ {0,3}([^:*#>`\-\[][^:]{0,60}?)\s*:\s*(.*)$")]
    private static partial Regex PlainLabel();

    [GeneratedRegex(@"^ {0,3}(`{3,}|~{3,})(.*)$")]
    private static partial Regex Fence();
}

/// <summary>Which request type an issue is, by marker, label or title prefix, in that order.</summary>
public static partial class RequestTypes
{
    public static RequestType? Detect(Workflow workflow, string? title, string? body, IEnumerable<string> labels)
    {
        var marker = Marker().Match(body ?? "");
        if (marker.Success && workflow.RequestTypes.FirstOrDefault(t => t.Id == marker.Groups[1].Value) is { } byMarker) return byMarker;
        var labelSet = labels.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (workflow.RequestTypes.FirstOrDefault(t => labelSet.Contains(t.Label.Name)) is { } byLabel) return byLabel;
        var trimmed = (title ?? "").TrimStart();
        return workflow.RequestTypes.FirstOrDefault(t =>
            !string.IsNullOrWhiteSpace(t.TitlePrefix) && trimmed.StartsWith(t.TitlePrefix.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The marker a hand-written template carries: <c>&lt;!-- marketingbot:request social-post --&gt;</c>.</summary>
    public static string MarkerFor(RequestType type) => $"<!-- marketingbot:request {type.Id} -->";

    [GeneratedRegex(@"<!--\s*marketingbot:request\s+([a-z0-9-]+)\s*-->")]
    private static partial Regex Marker();
}
