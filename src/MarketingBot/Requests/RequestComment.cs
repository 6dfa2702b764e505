using System.Text;

namespace MarketingBot.Requests;

/// <summary>The bot's one comment on a request: what is missing and how to fix it, or a clear ✅.</summary>
public static class RequestComment
{
    /// <summary>Hidden marker; the comment is found again by it and by the App's authorship.</summary>
    public const string Marker = "<!-- marketingbot:request-check -->";

    /// <param name="approval">Who approved and who is still needed; shown once the request is complete (errors block approval).</param>
    public static string Render(RequestCheck check, string requester, Commands.ApprovalState? approval = null)
    {
        var text = new StringBuilder();
        text.Append(Marker).Append('\n');
        var kind = Answers.Plain(check.Type.Name.ToLowerInvariant());
        if (check.IsComplete)
        {
            text.Append($"### ✅ This {kind} is complete\n\n");
            text.Append("Everything marketing needs is here. The Product Marketing Manager will confirm the timeline and deliverables.\n");
            if (approval is not null) text.Append('\n').Append(Approval(approval)).Append('\n');
        }
        else
        {
            var errors = check.Errors.ToList();
            text.Append($"### ⚠️ This {kind} needs {(errors.Count == 1 ? "one more thing" : $"{errors.Count} more things")}\n\n");
            // Login characters are letters, digits and hyphens, so this mention cannot carry markup.
            text.Append($"@{requester}, please edit the issue description to fix {(errors.Count == 1 ? "this" : "these")} so marketing can pick it up:\n\n");
            foreach (var error in errors) text.Append($"- {error.Message}\n");
        }
        var warnings = check.Warnings.ToList();
        if (warnings.Count > 0)
        {
            text.Append("\n**Suggestions**\n\n");
            foreach (var warning in warnings) text.Append($"- {warning.Message}\n");
        }
        text.Append("\n<sub>MarketingBot checks the request again each time the issue is edited.</sub>\n");
        return text.ToString();
    }

    /// <summary>Approvers are named in bold, not mentioned: the comment is edited often and must not ping them each time.</summary>
    private static string Approval(Commands.ApprovalState approval)
    {
        static string Roles(IEnumerable<string> roles) => string.Join(", ", roles.Select(Commands.Approvals.Say));
        var given = string.Join(", ", approval.Given.GroupBy(g => g.Login, StringComparer.OrdinalIgnoreCase)
            .Select(g => $"**{g.Key}** ({Roles(g.Select(x => x.Role))})"));
        if (approval.IsApproved) return $"**Approved** by {given}.";
        return approval.Given.Count == 0
            ? $"**Approval**: waiting for {Roles(approval.Missing)} (`/approve`)."
            : $"**Approval**: approved by {given}; still needed: {Roles(approval.Missing)}.";
    }
}
