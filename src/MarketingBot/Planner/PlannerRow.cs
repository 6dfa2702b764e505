using MarketingBot.Effects;

namespace MarketingBot.Planner;

/// <summary>One request's row in the Content Planner, keyed by the issue's URL, with values by column name.</summary>
public sealed record PlannerRow(string Url, IReadOnlyDictionary<string, string> Values)
{
    public IReadOnlyList<string> Cells(IReadOnlyList<string> columns) => columns.Select(c => Values.GetValueOrDefault(c, "")).ToList();
}

/// <summary>The request's row should read like this in the Content Planner.</summary>
/// <param name="Rewrite">Write the row even if the bot believes the sheet already shows it (<c>/sync</c>).</param>
/// <param name="FirstWrite">The request was just opened, so the sheet cannot have its row yet.</param>
public sealed record MirrorToPlanner(PlannerRow Row, IReadOnlyList<string> Columns, bool Rewrite = false, bool FirstWrite = false) : Effect
{
    public override string Describe() =>
        $"mirror {Row.Url} to the Content Planner ({string.Join(", ", Row.Values.Where(v => v.Value.Length > 0 && v.Key is "Type" or "Status" or "Publish date").Select(v => $"{v.Key}: {v.Value}"))})";
}
