namespace MarketingBot.Requests;

/// <summary>
/// The team's workflow file: request types with their sections and rules, roles and labels.
/// One definition drives the validator, the bot comment and the generated issue forms.
/// </summary>
public sealed class Workflow
{
    /// <summary>
    /// <c>built-in</c>: the sections this file leaves out are the built-in workflow's, and its roles and commands are
    /// added to the built-in ones (a file with only the team's people in its roles is complete). Left out, the file
    /// is the whole workflow.
    /// </summary>
    public string? Base { get; set; }

    /// <summary>The zone "today" is judged in for publish dates.</summary>
    public string TimeZone { get; set; } = "UTC";

    public WorkflowLabels Labels { get; set; } = new();

    public Dictionary<string, Role> Roles { get; set; } = [];

    public List<RequestType> RequestTypes { get; set; } = [];

    public PlannerLayout Planner { get; set; } = new();

    /// <summary>The Work Schedule board; null when the team keeps none.</summary>
    public BoardLayout? Board { get; set; }

    /// <summary>
    /// Who approves a request whose type names no approvals (the Product Marketing Manager); this role may also approve any
    /// request. A workflow without such a role is valid: its requests are approved by dragging the card or adding the label.
    /// </summary>
    public string ApproverRole { get; set; } = "product-marketing-manager";

    /// <summary>The marketing tracker: the repository (same owner) for task lists, reminders and the monthly review; empty: this repository.</summary>
    public string? Tracker { get; set; }

    /// <summary>The two-hour rule; null turns it off.</summary>
    public TwoHourRule? TwoHourRule { get; set; }

    /// <summary>The monthly performance review; null turns it off.</summary>
    public ReviewLayout? Review { get; set; }

    /// <summary>Roles allowed each slash command, replacing the built-in ones command by command (an empty list: anyone).</summary>
    public Dictionary<string, List<string>> Commands { get; set; } = [];

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>Which Projects v2 board requests go on, and the Status column for each stage.</summary>
public sealed class BoardLayout
{
    /// <summary>The organisation owning the project; the request's repository owner when empty.</summary>
    public string? Owner { get; set; }

    public int? Number { get; set; }
    public string Title { get; set; } = "Marketing Department Work Schedule";
    public string StatusField { get; set; } = "Status";
    public string Approved { get; set; } = "Todo";
    public string Done { get; set; } = "Done";

    /// <summary>Written with the request type when the project has a field of this name (text or single select).</summary>
    public string TypeField { get; set; } = "Request type";

    /// <summary>Written with the publish date when the project has a field of this name (date or text).</summary>
    public string PublishDateField { get; set; } = "Publish date";

    /// <summary>Written by <c>/estimate</c>, in hours, when the project has a field of this name (number or text).</summary>
    public string EstimateField { get; set; } = "Estimate";
}

/// <summary>Every task over the threshold is tracked as an issue; the bot reminds the owners of those that are not.</summary>
public sealed class TwoHourRule
{
    public decimal ThresholdHours { get; set; } = 2;

    /// <summary>Repositories (same owner) whose open issues' task lists are scanned; empty: the tracker.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>A task is reminded about at most once in this many days.</summary>
    public int CoolDownDays { get; set; } = 3;

    /// <summary>Weekday names (<c>Friday</c>) or dates (<c>2026-12-25</c>) on which no reminders go out.</summary>
    public List<string> QuietDays { get; set; } = [];

    /// <summary>The tracker issue listing the board's draft items over the threshold, kept up to date in place.</summary>
    public string DigestTitle { get; set; } = "Untracked work over two hours";
}

/// <summary>The monthly performance review issue, opened in the tracker on the first Thursday.</summary>
public sealed class ReviewLayout
{
    public string Title { get; set; } = "Marketing performance review: {month}";

    /// <summary>Roles (their logins) or logins assigned to the review issue.</summary>
    public List<string> Assignees { get; set; } = [];

    /// <summary>The review's checklist, part by part, as the team works through it (the built-in one is the handbook's).</summary>
    public List<ReviewPart> Checklist { get; set; } = [];
}

/// <summary>One part of the monthly review's checklist: a heading and the points to go through.</summary>
public sealed class ReviewPart
{
    public string Title { get; set; } = "";

    public List<string> Items { get; set; } = [];
}

/// <summary>The Content Planner's columns, left to right from column A; the bot owns these and no others.</summary>
public sealed class PlannerLayout
{
    public static readonly IReadOnlyList<string> KnownColumns =
        ["Issue", "Title", "Type", "Requester", "Assignees", "Channels", "Publish date", "Status", "Approved by", "Opened", "Updated", "URL"];

    public List<string> Columns { get; set; } = [.. KnownColumns];
}

public sealed class WorkflowLabels
{
    public LabelDefinition NeedsInfo { get; set; } = new() { Name = "needs-info", Color = "d93f0b", Description = "The request is missing something marketing needs" };
    public LabelDefinition Approved { get; set; } = new() { Name = "approved", Color = "0e8a16", Description = "Approved by the Product Marketing Manager" };
}

public sealed class LabelDefinition
{
    public string Name { get; set; } = "";
    public string Color { get; set; } = "ededed";
    public string? Description { get; set; }
}

/// <summary>People in a role: GitHub logins and/or organisation team slugs.</summary>
public sealed class Role
{
    public List<string> Logins { get; set; } = [];
    public List<string> Teams { get; set; } = [];
}

public sealed class RequestType
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }

    /// <summary>A title starting with this marks the type, e.g. <c>[Social post]</c>.</summary>
    public string? TitlePrefix { get; set; }

    public LabelDefinition Label { get; set; } = new();

    /// <summary>The role whose people are assigned to a new request of this type.</summary>
    public string? AssignRole { get; set; }

    public List<Section> Sections { get; set; } = [];

    /// <summary>Roles that must each approve before the request is ready (operations flow, step 4); empty: the workflow's approver role.</summary>
    public List<ApprovalStep> Approvals { get; set; } = [];

    /// <summary>The option of the board's Request type field for this type; unset: <see cref="BoardOptionName"/>'s default.</summary>
    public string? BoardOption { get; set; }

    /// <summary>A campaign's plan: once a request of this type is approved, one sub-issue per stage (operations flow, steps 2–9).</summary>
    public List<CampaignStage> Stages { get; set; } = [];

    /// <summary>
    /// The board option this type's cards get: <see cref="BoardOption"/>, else the name without its trailing "request"
    /// ("Social post request" → "Social post"), matched against the board's options whatever their case.
    /// </summary>
    public string BoardOptionName => !string.IsNullOrWhiteSpace(BoardOption) ? BoardOption.Trim()
        : Name.EndsWith(" request", StringComparison.OrdinalIgnoreCase) ? Name[..^" request".Length].Trim() : Name;
}

/// <summary>One stage of a campaign's plan, opened as a sub-issue of the approved brief.</summary>
public sealed class CampaignStage
{
    /// <summary>Names the stage for good: a stage with this id is never opened twice for one brief.</summary>
    public string Id { get; set; } = "";

    /// <summary>The stage issue's title, after the campaign's; <c>{deliverable}</c> stands for the deliverable of a per-deliverable stage.</summary>
    public string Title { get; set; } = "";

    /// <summary>The role whose people own the stage: assigned, and named in the plan.</summary>
    public string? Owner { get; set; }

    /// <summary>What the stage's issue lists to do (the handbook's points for that step).</summary>
    public List<string> Checklist { get; set; } = [];

    /// <summary>The stage's issue is ready only once the brief's approvers (the same rule as the brief's) approve it there with <c>/approve</c>.</summary>
    public bool Approval { get; set; }

    /// <summary>
    /// The stage's issue is itself a request of this type (the vendor statement of work): titled with the type's prefix and
    /// laid out as its form, so the bot checks it as the requester fills it in.
    /// </summary>
    public string? Request { get; set; }

    /// <summary>The stage's issue lists the brief's KPIs and their targets (the tracking stage, where <c>/kpi</c> reports actuals).</summary>
    public bool Kpis { get; set; }

    /// <summary>The stage waits for every stage that needs approval (a launch waits for its materials), and says so while they do.</summary>
    public bool AfterApprovals { get; set; }

    /// <summary>One stage per item of the brief's <see cref="DeliverablesSection"/> answer (material development).</summary>
    public bool PerDeliverable { get; set; }

    public string DeliverablesSection { get; set; } = "deliverables";

    /// <summary>Only when another answer of the brief is one of some values (third-party engagement, when vendors are needed).</summary>
    public Condition? When { get; set; }

    /// <summary>The due date is the date on the line of the brief's <see cref="TimelineSection"/> that names this (e.g. "Launch: 2031-04-01"); unset: the title.</summary>
    public string? Due { get; set; }

    public string TimelineSection { get; set; } = "timeline";
}

/// <summary>One role whose approval a request needs; with <see cref="BudgetAbove"/>, only when the budget answer is over that amount.</summary>
public sealed class ApprovalStep
{
    public string Role { get; set; } = "";
    public decimal? BudgetAbove { get; set; }

    /// <summary>The section holding the budget the threshold is compared with.</summary>
    public string BudgetSection { get; set; } = "budget";
}

public enum SectionKind
{
    Text,
    Url,
    Urls,
    Date,
    Choice,
    Choices,
    Number,
    Duration,
    List,
}

public sealed class Section
{
    public string Id { get; set; } = "";
    public string Label { get; set; } = "";

    /// <summary>Guidance shown on the issue form and in the bot comment.</summary>
    public string? Help { get; set; }

    public SectionKind Kind { get; set; } = SectionKind.Text;
    public bool Required { get; set; }
    public Condition? RequiredWhen { get; set; }
    public List<string> Options { get; set; } = [];

    /// <summary>For choices: which options suit each answer of another section (the channel matrix).</summary>
    public OptionMatrix? AllowedBy { get; set; }

    public int? MaxItems { get; set; }
    public int? WarnAboveItems { get; set; }

    /// <summary>For dates: a date before today is an error.</summary>
    public bool NotInPast { get; set; }

    /// <summary>For dates: fewer days ahead than this is a warning (content is planned ahead).</summary>
    public int? WarnWithinDays { get; set; }

    /// <summary>For dates: fewer days ahead than this is an error.</summary>
    public int? MinDaysAhead { get; set; }

    public decimal? Min { get; set; }
    public decimal? Max { get; set; }
}

/// <summary>True when another section's answer is one of <see cref="OneOf"/>.</summary>
public sealed class Condition
{
    public string Section { get; set; } = "";
    public List<string> OneOf { get; set; } = [];
}

public sealed class OptionMatrix
{
    public string Section { get; set; } = "";
    public Dictionary<string, List<string>> Matrix { get; set; } = [];
}
