namespace MarketingBot.Requests;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>One thing wrong with a request, said to the requester with how to fix it. Markdown; user text inside is already quoted safely.</summary>
public sealed record Problem(Severity Severity, string Section, string Message);

/// <summary>A request checked against its type: errors stop approval, warnings are advice.</summary>
public sealed record RequestCheck(RequestType Type, IReadOnlyDictionary<string, string> Answers, IReadOnlyList<Problem> Problems)
{
    public IEnumerable<Problem> Errors => Problems.Where(p => p.Severity == Severity.Error);
    public IEnumerable<Problem> Warnings => Problems.Where(p => p.Severity == Severity.Warning);
    public bool IsComplete => !Errors.Any();
}

/// <summary>The request rules, as pure functions of the body, the type and today's date.</summary>
public static class RequestValidator
{
    public static RequestCheck Check(RequestType type, string? body, DateOnly today)
    {
        var answers = RequestBody.Parse(body, type);
        var problems = type.Sections.SelectMany(section => CheckSection(type, section, answers, today)).ToList();
        return new RequestCheck(type, answers, problems);
    }

    private static IEnumerable<Problem> CheckSection(RequestType type, Section section, IReadOnlyDictionary<string, string> answers, DateOnly today)
    {
        if (!answers.TryGetValue(section.Id, out var answer))
        {
            if (section.Required)
                yield return Error(section, $"**{Answers.Plain(section.Label)}** is missing. {HowToAnswer(section)}");
            else if (section.RequiredWhen is { } when && SelectedOption(type, when.Section, answers) is { } chosen
                && when.OneOf.Contains(chosen, StringComparer.OrdinalIgnoreCase))
                yield return Error(section, $"**{Answers.Plain(section.Label)}** is needed for a {LabelOf(type, when.Section)} of {chosen}. {HowToAnswer(section)}");
            yield break;
        }

        var problems = section.Kind switch
        {
            SectionKind.Choice => CheckChoice(section, answer),
            SectionKind.Choices => CheckChoices(type, section, answer, answers),
            SectionKind.Url or SectionKind.Urls => CheckLinks(section, answer),
            SectionKind.Date => CheckDate(section, answer, today),
            SectionKind.Number => CheckNumber(section, answer),
            SectionKind.Duration => Answers.TryParseDuration(answer, out _)
                ? []
                : [Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(answer)} is not a duration. Write it like `3h`, `90m` or `2d`.")],
            _ => [],
        };
        foreach (var problem in problems) yield return problem;
        foreach (var problem in CheckCount(section, answer)) yield return problem;
    }

    private static IEnumerable<Problem> CheckChoice(Section section, string answer)
    {
        var picked = Answers.Items(answer, splitOnCommas: false);
        if (picked.Count > 1)
        {
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: pick one, not {picked.Count}. {HowToAnswer(section)}");
            yield break;
        }
        if (picked.Count == 0)
        {
            yield return Error(section, $"**{Answers.Plain(section.Label)}** is missing. {HowToAnswer(section)}");
            yield break;
        }
        if (Match(section, picked[0]) is null)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(picked[0])} is not one we know. {HowToAnswer(section)}");
    }

    private static IEnumerable<Problem> CheckChoices(RequestType type, Section section, string answer, IReadOnlyDictionary<string, string> answers)
    {
        var picked = Answers.Items(answer, splitOnCommas: true);
        if (picked.Count == 0)
        {
            if (section.Required) yield return Error(section, $"**{Answers.Plain(section.Label)}**: nothing is ticked. {HowToAnswer(section)}");
            yield break;
        }
        var known = new List<string>();
        foreach (var item in picked)
        {
            if (Match(section, item) is { } option) known.Add(option);
            else yield return Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(item)} is not one we know. {HowToAnswer(section)}");
        }
        if (section.AllowedBy is not { } matrix || SelectedOption(type, matrix.Section, answers) is not { } row) yield break;
        var suited = matrix.Matrix.FirstOrDefault(r => string.Equals(r.Key, row, StringComparison.OrdinalIgnoreCase)).Value;
        if (suited is null) yield break;
        var unsuited = known.Where(o => !suited.Contains(o, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unsuited.Count > 0)
            yield return Error(section,
                $"**{Answers.Plain(section.Label)}**: {Join(unsuited)} {(unsuited.Count == 1 ? "does" : "do")} not suit a {Answers.Plain(row)}. A {Answers.Plain(row)} goes on {Join(suited)}; untick the others.");
    }

    private static IEnumerable<Problem> CheckLinks(Section section, string answer)
    {
        var links = Answers.Links(answer);
        foreach (var link in links.Where(l => !Answers.IsWebLink(l)))
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(link)} is not a web link. Paste the full address, starting with https://.");
        if (section.Kind == SectionKind.Url && links.Count > 1)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: give one link, not {links.Count}.");
    }

    private static IEnumerable<Problem> CheckDate(Section section, string answer, DateOnly today)
    {
        if (!Answers.TryParseDate(answer, out var date))
        {
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(answer)} is not a date we can read. Write it like {today.AddDays(21):yyyy-MM-dd} or {today.AddDays(21):d MMMM yyyy}.");
            yield break;
        }
        var daysAhead = date.DayNumber - today.DayNumber;
        if (section.NotInPast && daysAhead < 0)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {date:d MMMM yyyy} has already passed. Choose a date from today on.");
        else if (section.MinDaysAhead is { } min && daysAhead < min)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {date:d MMMM yyyy} is {Days(daysAhead)} away; it must be at least {Days(min)} ahead.");
        else if (section.WarnWithinDays is { } soon && daysAhead < soon)
            yield return Warning(section, $"**{Answers.Plain(section.Label)}**: {date:d MMMM yyyy} is only {Days(daysAhead)} away. Content is planned {Days(soon)} ahead, so it may not make it; a later date is safer.");
    }

    private static IEnumerable<Problem> CheckNumber(Section section, string answer)
    {
        if (!Answers.TryParseNumber(answer, out var number))
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {Answers.Quote(answer)} is not a number. Write digits only, like 12500.");
        else if (number < section.Min)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {number} is below the minimum of {section.Min}.");
        else if (number > section.Max)
            yield return Error(section, $"**{Answers.Plain(section.Label)}**: {number} is above the maximum of {section.Max}.");
    }

    private static IEnumerable<Problem> CheckCount(Section section, string answer)
    {
        if (section.MaxItems is null && section.WarnAboveItems is null) yield break;
        var count = section.Kind == SectionKind.List ? Answers.Words(answer).Count : Answers.Items(answer, splitOnCommas: false).Count;
        if (count > section.MaxItems)
            yield return Error(section, section.MaxItems == 1
                ? $"**{Answers.Plain(section.Label)}**: give exactly one, not {count}. Keep the one that matters most."
                : $"**{Answers.Plain(section.Label)}**: give at most {section.MaxItems}, not {count}.");
        else if (count > section.WarnAboveItems)
            yield return Warning(section, $"**{Answers.Plain(section.Label)}**: {count} is more than the {section.WarnAboveItems} that work best. Keep the strongest {section.WarnAboveItems}.");
    }

    /// <summary>The option another section's answer names, when it names exactly one we know.</summary>
    private static string? SelectedOption(RequestType type, string sectionId, IReadOnlyDictionary<string, string> answers)
    {
        var section = type.Sections.FirstOrDefault(s => s.Id == sectionId);
        if (section is null || !answers.TryGetValue(sectionId, out var answer)) return null;
        var picked = Answers.Items(answer, splitOnCommas: false);
        return picked.Count == 1 ? Match(section, picked[0]) : null;
    }

    private static string? Match(Section section, string value)
    {
        var normal = RequestBody.NormalizeLabel(value);
        return section.Options.FirstOrDefault(o => RequestBody.NormalizeLabel(o) == normal);
    }

    private static string HowToAnswer(Section section) => section.Kind switch
    {
        SectionKind.Choice => $"Choose one of: {Join(section.Options)}.",
        SectionKind.Choices => $"Tick one or more of: {Join(section.Options)}.",
        SectionKind.Url or SectionKind.Urls => "Paste the link (https://…).",
        SectionKind.Date => "Give the date, like 2026-12-01.",
        SectionKind.Number => "Give a number.",
        SectionKind.Duration => "Give a duration, like 3h.",
        _ => section.Help ?? "Please fill it in.",
    };

    private static string LabelOf(RequestType type, string sectionId) =>
        Answers.Plain(type.Sections.FirstOrDefault(s => s.Id == sectionId)?.Label.ToLowerInvariant() ?? sectionId);

    /// <summary>Option names come from the workflow file: each is set plain (see <see cref="Answers.Plain"/>).</summary>
    private static string Join(IEnumerable<string> items) => string.Join(", ", items.Select(Answers.Plain));

    private static string Days(int days) => days == 1 ? "1 day" : $"{days} days";

    private static Problem Error(Section section, string message) => new(Severity.Error, section.Label, message);

    private static Problem Warning(Section section, string message) => new(Severity.Warning, section.Label, message);
}
