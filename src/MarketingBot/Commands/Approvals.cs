using MarketingBot.Requests;

namespace MarketingBot.Commands;

/// <summary>
/// A person's latest word on a request, kept with the comment that said it. <paramref name="Roles"/>
/// are the roles they held then, so a later change of team does not rewrite an approval given.
/// </summary>
public sealed record Approval(string Login, IReadOnlyList<string> Roles, bool Approves, string? Note, long CommentId, DateTimeOffset At);

/// <summary>Who approved a request for which role, and which roles are still needed.</summary>
public sealed record ApprovalState(IReadOnlyList<string> Required, IReadOnlyList<(string Role, string Login)> Given, IReadOnlyList<string> Missing)
{
    public bool IsApproved => Missing.Count == 0 && Given.Count > 0;

    public IReadOnlyList<string> Approvers => Given.Select(g => g.Login).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

/// <summary>The approval rules: which roles a request needs (operations flow, step 4) and whether it has them.</summary>
public static class Approvals
{
    /// <summary>The type's approval steps that apply to this request (management only above the budget threshold), or the workflow's approver.</summary>
    public static IReadOnlyList<string> Required(RequestType type, Workflow workflow, IReadOnlyDictionary<string, string> answers)
    {
        if (type.Approvals.Count == 0) return [workflow.ApproverRole];
        return type.Approvals
            .Where(step => step.BudgetAbove is not { } threshold
                || (answers.TryGetValue(step.BudgetSection, out var budget) && Answers.TryParseNumber(budget, out var amount) && amount > threshold))
            .Select(step => step.Role)
            .Distinct()
            .ToList();
    }

    /// <summary>Roles whose people may approve this type: those its steps name, and the workflow's approver.</summary>
    public static IReadOnlyList<string> ApproverRoles(RequestType type, Workflow workflow) =>
        type.Approvals.Select(s => s.Role).Append(workflow.ApproverRole).Distinct().ToList();

    public static ApprovalState Evaluate(RequestType type, Workflow workflow, IReadOnlyDictionary<string, string> answers, IEnumerable<Approval> approvals) =>
        Evaluate(Required(type, workflow, answers), approvals);

    /// <summary>Who approved for which of the <paramref name="required"/> roles (a campaign stage's, or a request's), and which are still needed.</summary>
    public static ApprovalState Evaluate(IReadOnlyList<string> required, IEnumerable<Approval> approvals)
    {
        var given = approvals.Where(a => a.Approves).OrderBy(a => a.At)
            .SelectMany(a => a.Roles.Where(required.Contains).Select(role => (role, a.Login)))
            .ToList();
        return new ApprovalState(required, given, required.Where(r => given.All(g => g.role != r)).ToList());
    }

    /// <summary>A role id as people say it: <c>project-owner</c> → project owner.</summary>
    public static string Say(string role) => role.Replace('-', ' ');
}
