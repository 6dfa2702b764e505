using System.Text;
using System.Text.RegularExpressions;

namespace MarketingBot.Commands;

/// <summary>One slash command as written: its name (lower case) and its arguments, quotes removed.</summary>
public sealed record SlashCommand(string Name, IReadOnlyList<string> Arguments)
{
    /// <summary>The arguments as one text, e.g. an approval note.</summary>
    public string Text => string.Join(' ', Arguments);
}

/// <summary>
/// Finds the slash commands in a comment: each line that starts with <c>/name</c>. Lines in code
/// fences, indented code and block quotes are someone showing or quoting a command, not giving
/// one; a command inside inline code does not start its line, so it does not count either.
/// </summary>
public static partial class CommandParser
{
    /// <summary>More than this in one comment is not a person at work; the rest are ignored.</summary>
    public const int MaxPerComment = 10;

    public static IReadOnlyList<SlashCommand> Parse(string? comment)
    {
        var commands = new List<SlashCommand>();
        string? fence = null;
        foreach (var line in (comment ?? "").ReplaceLineEndings("\n").Split('\n'))
        {
            var inside = fence;
            fence = Requests.RequestBody.NextFence(line, fence);
            if (inside is not null || fence is not null) continue;
            var command = Command().Match(line);
            if (!command.Success) continue;
            commands.Add(new SlashCommand(command.Groups[1].Value.ToLowerInvariant(), SplitArguments(command.Groups[2].Value)));
            if (commands.Count == MaxPerComment) break;
        }
        return commands;
    }

    /// <summary>Words, or quoted phrases ("…", '…', “…”); an unclosed quote runs to the end of the line.</summary>
    public static IReadOnlyList<string> SplitArguments(string text)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        char? closing = null;
        var quoted = false;
        foreach (var c in text)
        {
            if (closing is { } end)
            {
                if (c == end) closing = null;
                else current.Append(c);
            }
            else if (c is '"' or '\'' or '“' && current.Length == 0)
            {
                closing = c == '“' ? '”' : c;
                quoted = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0 || quoted) arguments.Add(current.ToString());
                current.Clear();
                quoted = false;
            }
            else current.Append(c);
        }
        if (current.Length > 0 || quoted) arguments.Add(current.ToString());
        return arguments;
    }

    // Up to three spaces may lead (more is indented code); the name ends at a space or the line's end,
    // so a path such as /docs/setup is not a command.
    [GeneratedRegex(@"^ {0,3}/([A-Za-z][A-Za-z0-9_-]*)(?:[ \t]+(.*?))?\s*$")]
    private static partial Regex Command();
}
