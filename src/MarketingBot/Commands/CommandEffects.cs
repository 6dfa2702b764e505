using MarketingBot.Effects;
using MarketingBot.Storage;

namespace MarketingBot.Commands;

/// <summary>A person's <c>/approve</c> or <c>/unapprove</c>, kept with the comment that said it.</summary>
public sealed record RecordApproval(string IssueNodeId, IssueRef Issue, Approval Approval) : RecordEffect
{
    public override string Describe() =>
        $"record that {Approval.Login} {(Approval.Approves ? "approves" : "withdraws approval of")} {Issue} (comment {Approval.CommentId})";

    public override Task ApplyAsync(RecordStores records, long? installationId) => records.Approvals.RecordApprovalAsync(IssueNodeId, Approval);
}

/// <summary>Two-hour reminders about this issue stay quiet until <paramref name="Until"/> (<c>/snooze</c>).</summary>
public sealed record RecordSnooze(string IssueNodeId, IssueRef Issue, DateTimeOffset Until, string By) : RecordEffect
{
    public override string Describe() => $"snooze reminders about {Issue} until {Until:yyyy-MM-dd HH:mm} UTC (asked by {By})";

    public override Task ApplyAsync(RecordStores records, long? installationId) => records.Nags.RecordSnoozeAsync(IssueNodeId, Until, By);
}
