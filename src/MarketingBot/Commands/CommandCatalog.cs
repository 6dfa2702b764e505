using MarketingBot.Requests;

namespace MarketingBot.Commands;

/// <summary>A slash command: how it is written, what it does, and who may use it unless the workflow file says otherwise.</summary>
public sealed record CommandInfo(string Name, string Usage, string Summary, IReadOnlyList<string> DefaultRoles);

/// <summary>The slash commands the bot obeys (DESIGN, "Slash commands").</summary>
public static class CommandCatalog
{
    private static readonly string[] Team = ["product-marketing-manager", "marketing-team"];

    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new("help", "/help", "list the commands you may use here", []),
        new("recheck", "/recheck", "check the request again", []),
        new("approve", "/approve [note]", "approve the request (it must be complete)", ["product-marketing-manager"]),
        new("unapprove", "/unapprove", "withdraw your approval", ["product-marketing-manager"]),
        new("status", "/status <column>", "move the card on the Work Schedule board", Team),
        new("schedule", "/schedule <date>", "set the publish date", Team),
        new("assign", "/assign @user …", "assign people", Team),
        new("unassign", "/unassign @user …", "unassign people", Team),
        new("estimate", "/estimate <duration>", "record an estimate, e.g. 3h or 1d", Team),
        new("convert", "/convert", "turn this issue's untracked tasks over two hours (or the digest's draft items) into issues", Team),
        new("snooze", "/snooze <duration>", "silence the two-hour reminders for this issue, e.g. 3d", ["marketing-team"]),
        new("sync", "/sync", "rewrite the Content Planner row now", Team),
        new("kpi", "/kpi <name> <value>", "report the actual of one of a campaign's KPIs, on a stage of the campaign, e.g. /kpi MQLs 96", Team),
    ];

    public static CommandInfo? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    public static bool IsKnown(string name) => Find(name) is not null;

    /// <summary>The roles allowed a command: the workflow file's list when it gives one, else the built-in one. Empty: anyone.</summary>
    public static IReadOnlyList<string> RolesFor(Workflow workflow, CommandInfo command) =>
        workflow.Commands.TryGetValue(command.Name, out var roles) ? roles : command.DefaultRoles;
}
