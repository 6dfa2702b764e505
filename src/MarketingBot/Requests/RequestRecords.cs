using MarketingBot.Effects;
using MarketingBot.Review;

namespace MarketingBot.Requests;

/// <summary>Keep the request's facts for the monthly review: its type, when it was opened and whether it was complete then, its publish date, when it was done.</summary>
public sealed record RecordRequest(RequestRecord Request, bool Opening) : RecordEffect
{
    public override string Describe() => $"record {Request.Repository}#{Request.Number} for the monthly review";

    public override Task ApplyAsync(RecordStores records, long? installationId) => records.Requests.RecordRequestAsync(Request, Opening);
}

public static class RequestRecords
{
    /// <param name="completedAt">When the issue was closed as completed; null otherwise.</param>
    public static RecordRequest? Decide(string? action, RequestIssue issue, string nodeId, DateTimeOffset? completedAt, Workflow workflow, DateTimeOffset now)
    {
        if (action is "deleted" or "transferred" || RequestTypes.Detect(workflow, issue.Title, issue.Body, issue.Labels) is not { } type) return null;
        var check = RequestValidator.Check(type, issue.Body, RequestRules.Today(workflow, now));
        var dateSection = type.Sections.FirstOrDefault(s => s.Id == "publish-date") ?? type.Sections.FirstOrDefault(s => s.Kind == SectionKind.Date);
        DateOnly? publish = dateSection is not null && check.Answers.TryGetValue(dateSection.Id, out var answer) && Answers.TryParseDate(answer, out var date) ? date : null;
        var record = new RequestRecord(nodeId, $"{issue.Ref.Owner}/{issue.Ref.Repository}", issue.Ref.Number, type.Name, issue.Opened ?? now,
            check.IsComplete, publish, issue.IsOpen ? null : completedAt);
        return new RecordRequest(record, Opening: action == "opened");
    }
}
