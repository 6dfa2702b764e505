using System.Text;
using System.Text.RegularExpressions;
using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.Planner;
using MarketingBot.Processing;
using MarketingBot.Requests;

namespace MarketingBot.Commands;

/// <summary>What the bot knows when it obeys the commands of one new comment.</summary>
/// <param name="Type">The request type; null when the issue is not a marketing request.</param>
/// <param name="SenderRoles">The workflow roles the comment's author holds.</param>
/// <param name="Approvals">Each person's latest word on the request so far.</param>
/// <param name="BoardStatus">The card's column as the bot last saw it.</param>
/// <param name="BoardColumns">The board's Status columns; null when unknown (dry run), and then any column is taken as written.</param>
public sealed record CommandContext(
    RequestIssue Request,
    RequestType? Type,
    Workflow Workflow,
    string IssueNodeId,
    long CommentId,
    string Sender,
    IReadOnlyList<string> SenderRoles,
    IReadOnlyList<Approval> Approvals,
    string? BoardStatus,
    IReadOnlyList<string>? BoardColumns,
    DateTimeOffset Now,
    Campaigns.CampaignContext? Campaign = null);

/// <summary>
/// The slash-command rules, pure: given the commands of a comment and what the bot knows, the
/// effects to apply, one reaction (👍 all done, 😕 something refused) and at most one reply,
/// written only when there is something to say. Commands run in order, each seeing the ones before.
/// </summary>
public static partial class CommandRules
{
    /// <summary>The reply to a comment is found again by this, so a retried delivery edits it instead of replying twice.</summary>
    public static string ReplyMarker(long commentId) => $"<!-- marketingbot:reply {commentId} -->";

    /// <summary>The bot's answer to a command comment (not the request's own comment, which every change keeps up to date).</summary>
    public static bool IsReply(Effect effect) => effect is UpsertBotComment { Marker: var marker } && marker.StartsWith("<!-- marketingbot:reply ", StringComparison.Ordinal);

    public static Decision Decide(IReadOnlyList<SlashCommand> commands, CommandContext context)
    {
        var run = new Run(context);
        foreach (var command in commands) run.Obey(command);
        return run.Finish();
    }

    private sealed class Run(CommandContext context)
    {
        private readonly List<Effect> _effects = [];
        private readonly List<string> _said = [];
        private readonly List<string> _outcomes = [];
        private readonly List<Approval> _approvals = [.. context.Approvals];
        private RequestIssue _request = context.Request;
        private string? _boardStatus = context.BoardStatus;
        private bool _refused;
        private bool _recheck;
        private bool _rewritePlanner;

        private Workflow Workflow => context.Workflow;
        private DateOnly Today => RequestRules.Today(Workflow, context.Now);

        public void Obey(SlashCommand command)
        {
            var info = CommandCatalog.Find(command.Name);
            if (info is null)
            {
                // Other tools use slash lines too: on an issue that is no request, an unknown one is not ours to answer.
                if (context.Type is null) return;
                Refuse(command, $"{Answers.Quote("/" + command.Name)} is not a command I know.\n\n{Help()}");
                return;
            }
            if (!May(info))
            {
                Refuse(command, $"`/{info.Name}` is for {Who(info)}; you are not one of them.");
                return;
            }
            if (context.Type is not { } type)
            {
                if (info.Name is "help") Say(command, Help());
                else if (info.Name is "snooze") Snooze(command);
                else if (info.Name is "convert") Convert(command);
                else if (info.Name is "kpi") Kpi(command);
                else if (info.Name is "approve" or "unapprove" && context.Campaign is { Stage.ApproverRoles.Count: > 0 } campaign)
                    ApproveStage(command, campaign, approves: info.Name == "approve");
                else Refuse(command, "this issue is not a marketing request, so there is nothing to do that to.");
                return;
            }
            switch (info.Name)
            {
                case "help": Say(command, Help()); break;
                case "recheck": Done(command, recheck: true); break;
                case "approve": Approve(command, type, approves: true); break;
                case "unapprove": Approve(command, type, approves: false); break;
                case "status": Status(command); break;
                case "schedule": Schedule(command, type); break;
                case "assign": Assign(command, assign: true); break;
                case "unassign": Assign(command, assign: false); break;
                case "estimate": Estimate(command); break;
                case "snooze": Snooze(command); break;
                case "convert": Convert(command); break;
                case "sync": _rewritePlanner = true; Done(command, recheck: true); break;
                case "kpi": Kpi(command); break;
            }
        }

        /// <summary><c>/kpi &lt;name&gt; &lt;value&gt;</c>: the KPI's actual, kept and shown against its target here and on the brief.</summary>
        private void Kpi(SlashCommand command)
        {
            if (context.Campaign is not { } campaign)
            {
                Refuse(command, "`/kpi` reports a campaign's results: use it on one of the campaign's stage issues (the tracking stage).");
                return;
            }
            var names = campaign.Kpis.Select(k => k.Name).ToList();
            var kpi = command.Arguments.Count >= 2
                ? campaign.Kpis.FirstOrDefault(k => string.Equals(k.Name, string.Join(' ', command.Arguments.SkipLast(1)), StringComparison.OrdinalIgnoreCase))
                : null;
            if (kpi is null)
            {
                Refuse(command, names.Count == 0
                    ? "the campaign's brief names no KPIs (a line like `MQLs: 120` under KPIs), so there is nothing to report against."
                    : $"write `/kpi <name> <value>` with one of the brief's KPIs: {string.Join(", ", names.Select(n => Answers.Quote(n)))}.");
                return;
            }
            var (stage, actual) = (campaign.Stage, command.Arguments[^1]);
            var kpis = campaign.Kpis.Select(k => k == kpi ? k with { Actual = actual } : k).ToList();
            _effects.Add(new Campaigns.RecordKpiActual(stage.Brief, kpi.Name, actual, context.Sender));
            _effects.Add(Campaigns.CampaignProgress.OnBrief(stage.BriefRef, stage.Campaign, campaign.Stages.Select(Campaigns.StageView.Of), kpis, Today));
            Say(command, $"{Answers.Plain(kpi.Name)} is now {Answers.Quote(actual)}.\n\n{Campaigns.CampaignProgress.KpiTable(kpis)}");
        }

        private bool May(CommandInfo info)
        {
            var roles = CommandCatalog.RolesFor(Workflow, info);
            if (roles.Count == 0 || context.SenderRoles.Intersect(roles).Any()) return true;
            return info.Name switch
            {
                "approve" or "unapprove" => context.Type is { } type ? context.SenderRoles.Intersect(Approvals.ApproverRoles(type, Workflow)).Any()
                    : context.Campaign is { } campaign && context.SenderRoles.Intersect(campaign.Stage.ApproverRoles).Any(),
                "snooze" => IsAuthorOrAssignee(),
                _ => false,
            };
        }

        private bool IsAuthorOrAssignee() =>
            string.Equals(_request.Author, context.Sender, StringComparison.OrdinalIgnoreCase)
            || _request.Assignees.Contains(context.Sender, StringComparer.OrdinalIgnoreCase);

        private string Who(CommandInfo info)
        {
            var roles = CommandCatalog.RolesFor(Workflow, info).AsEnumerable();
            if (info.Name is "approve" or "unapprove" && context.Type is { } type) roles = roles.Concat(Approvals.ApproverRoles(type, Workflow));
            var people = roles.Distinct().Select(Approvals.Say).ToList();
            if (info.Name == "snooze") people.Add("the issue's author and assignees");
            return string.Join(", ", people);
        }

        private string Help()
        {
            var usable = CommandCatalog.All.Where(May).ToList();
            var text = new StringBuilder("Commands you can use here, one per line at the start of a new comment:\n\n");
            foreach (var command in usable) text.Append($"- `{command.Usage}`: {command.Summary}\n");
            return text.ToString().TrimEnd();
        }

        private void Approve(SlashCommand command, RequestType type, bool approves)
        {
            var check = RequestValidator.Check(type, _request.Body, Today);
            if (approves && !check.IsComplete)
            {
                Refuse(command, "the request is not complete yet: it can be approved once what the bot's comment lists is fixed.");
                return;
            }
            var mine = _approvals.FindIndex(a => string.Equals(a.Login, context.Sender, StringComparison.OrdinalIgnoreCase));
            if (!approves && (mine < 0 || !_approvals[mine].Approves))
            {
                Say(command, "you had not approved this request, so there is nothing to withdraw.");
                return;
            }
            var note = command.Text.Length > 0 ? command.Text : null;
            var approval = new Approval(context.Sender, context.SenderRoles, approves, note, context.CommentId, context.Now);
            if (mine >= 0) _approvals[mine] = approval;
            else _approvals.Add(approval);
            _effects.RemoveAll(e => e is RecordApproval);
            _effects.Add(new RecordApproval(context.IssueNodeId, _request.Ref, approval));
            var after = Approvals.Evaluate(type, Workflow, check.Answers, _approvals);
            if (approves && !context.SenderRoles.Intersect(after.Required).Any())
                Say(command, $"your approval is recorded, but this {type.Name.ToLowerInvariant()} needs approval from {string.Join(", ", after.Required.Select(Approvals.Say))}.");
            else Done(command, recheck: true);
        }

        /// <summary>
        /// <c>/approve</c> on a campaign stage that needs approval (material development): once every role it needs has
        /// approved, the stage gets the approved label and the brief's progress says so; a withdrawal takes both back.
        /// </summary>
        private void ApproveStage(SlashCommand command, Campaigns.CampaignContext campaign, bool approves)
        {
            var stage = campaign.Stage;
            var mine = _approvals.FindIndex(a => string.Equals(a.Login, context.Sender, StringComparison.OrdinalIgnoreCase));
            if (!approves && (mine < 0 || !_approvals[mine].Approves))
            {
                Say(command, "you had not approved this stage, so there is nothing to withdraw.");
                return;
            }
            var approval = new Approval(context.Sender, context.SenderRoles, approves, command.Text.Length > 0 ? command.Text : null, context.CommentId, context.Now);
            if (mine >= 0) _approvals[mine] = approval;
            else _approvals.Add(approval);
            _effects.Add(new RecordApproval(context.IssueNodeId, _request.Ref, approval));
            var after = Approvals.Evaluate(stage.ApproverRoles, _approvals);
            var ready = after.Missing.Count == 0;
            if (ready != stage.Approved)
            {
                var label = Workflow.Labels.Approved;
                _effects.Add(ready ? new AddLabels(_request.Ref, [new Label(label.Name, label.Color, label.Description)]) : new RemoveLabel(_request.Ref, label.Name));
                _effects.Add(new Campaigns.RecordStageApproved(stage.Issue, stage.Title, ready));
                _effects.Add(Campaigns.CampaignProgress.OnBrief(stage.BriefRef, stage.Campaign,
                    campaign.Stages.Select(s => Campaigns.StageView.Of(s.Issue == stage.Issue ? s with { Approved = ready } : s)), campaign.Kpis, Today));
            }
            if (approves && !ready) Say(command, $"your approval is recorded; this stage still needs {string.Join(", ", after.Missing.Select(Approvals.Say))}.");
            else Done(command);
        }

        private void Status(SlashCommand command)
        {
            if (Workflow.Board is not { } board)
            {
                Refuse(command, "this repository's workflow has no Work Schedule board.");
                return;
            }
            var wanted = command.Text.Trim();
            if (wanted.Length == 0)
            {
                Refuse(command, $"name a column: `/status <column>`{Columns()}.");
                return;
            }
            string? column = null;
            if (!IsNoStatus(wanted))
            {
                column = context.BoardColumns is null ? wanted : context.BoardColumns.FirstOrDefault(c => string.Equals(c, wanted, StringComparison.OrdinalIgnoreCase));
                if (column is null)
                {
                    Refuse(command, $"the board has no column {Answers.Quote(wanted)}{Columns()}.");
                    return;
                }
            }
            _effects.Add(new PlaceOnBoard(_request.Ref, context.IssueNodeId, board, column, By: context.Sender));
            _boardStatus = column;
            Done(command, recheck: true);
        }

        private static bool IsNoStatus(string column) =>
            column.Equals(Board.BoardCard.NoStatus, StringComparison.OrdinalIgnoreCase) || column.Equals("none", StringComparison.OrdinalIgnoreCase);

        private string Columns() =>
            context.BoardColumns is { Count: > 0 } columns ? $" (one of {string.Join(", ", columns.Select(c => $"`{c}`"))}, or `No Status`)" : "";

        private void Schedule(SlashCommand command, RequestType type)
        {
            var section = type.Sections.FirstOrDefault(s => s.Id == "publish-date") ?? type.Sections.FirstOrDefault(s => s.Kind == SectionKind.Date);
            if (section is null)
            {
                Refuse(command, $"a {type.Name.ToLowerInvariant()} has no date to schedule.");
                return;
            }
            if (!Answers.TryParseDate(command.Text, out var date))
            {
                Refuse(command, $"{Answers.Quote(command.Text)} is not a date I can read; write it like `2026-12-01` or `1 December 2026`.");
                return;
            }
            if (date < Today)
            {
                Refuse(command, $"{date:yyyy-MM-dd} is in the past (today is {Today:yyyy-MM-dd} in {Workflow.TimeZone}).");
                return;
            }
            // The description is where the date lives: the edit comes back as issues.edited and updates the card and the planner row.
            var body = RequestBody.WithAnswer(_request.Body, type, section.Id, date.ToString("yyyy-MM-dd"));
            _effects.RemoveAll(e => e is EditIssueBody);
            _effects.Add(new EditIssueBody(_request.Ref, body));
            _request = _request with { Body = body };
            Done(command);
        }

        private void Assign(SlashCommand command, bool assign)
        {
            var logins = command.Arguments.Select(a => a.TrimStart('@')).ToList();
            var bad = logins.FirstOrDefault(l => !Login().IsMatch(l));
            if (logins.Count == 0 || bad is not null)
            {
                Refuse(command, bad is null ? $"name someone: `/{command.Name} @user`." : $"{Answers.Quote(bad)} is not a GitHub login.");
                return;
            }
            var has = _request.Assignees.ToHashSet(StringComparer.OrdinalIgnoreCase);
            var change = logins.Where(l => has.Contains(l) != assign).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (change.Count > 0)
            {
                _effects.Add(assign ? new AssignUsers(_request.Ref, change) : new UnassignUsers(_request.Ref, change));
                _request = _request with
                {
                    Assignees = assign ? [.. _request.Assignees, .. change] : _request.Assignees.Where(a => !change.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList(),
                };
            }
            Done(command);
        }

        private void Estimate(SlashCommand command)
        {
            if (!Answers.TryParseDuration(command.Text, out var estimate))
            {
                Refuse(command, $"{Answers.Quote(command.Text)} is not a duration I can read; write it like `3h`, `90m` or `1d` (a working day of 8 hours).");
                return;
            }
            if (Workflow.Board is not { } board)
            {
                Refuse(command, "this repository's workflow has no Work Schedule board to record the estimate on.");
                return;
            }
            var hours = Math.Round(estimate.TotalHours, 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _effects.Add(new SetCardFields(_request.Ref, context.IssueNodeId, board, new Dictionary<string, string> { [board.EstimateField] = hours }));
            Done(command);
        }

        /// <summary>On the two-hour digest: its draft items; on any other issue: its unchecked tasks over the threshold that link no issue.</summary>
        private void Convert(SlashCommand command)
        {
            var drafts = Reminders.TwoHourRules.DraftsIn(_request.Body);
            if (drafts.Count > 0)
            {
                _effects.Add(new Reminders.ConvertDrafts(_request.Ref.Owner, _request.Ref.Repository, drafts));
                Done(command);
                return;
            }
            var threshold = (double)(Workflow.TwoHourRule?.ThresholdHours ?? 2);
            var tasks = Reminders.TaskLines.Find(_request.Body)
                .Where(t => !t.Checked && !t.LinksIssue && t.Estimate?.TotalHours > threshold)
                .Select(t => new Reminders.TaskToConvert(t.Text, t.Title, t.Estimate!.Value.TotalHours))
                .ToList();
            if (tasks.Count == 0)
            {
                Refuse(command, $"there is no untracked task over {threshold:0.##} hours here: a task needs an estimate such as `(3h)` and no linked issue.");
                return;
            }
            _effects.Add(new Reminders.ConvertTasks(_request.Ref, _request.Url, tasks));
            Done(command);
        }

        private void Snooze(SlashCommand command)
        {
            if (!Answers.TryParseDuration(command.Text, out var duration, calendar: true))
            {
                Refuse(command, $"{Answers.Quote(command.Text)} is not a duration I can read; write it like `2d` or `1w`.");
                return;
            }
            var until = context.Now + duration;
            _effects.Add(new RecordSnooze(context.IssueNodeId, _request.Ref, until, context.Sender));
            Say(command, $"two-hour reminders about this issue are snoozed until {until:yyyy-MM-dd HH:mm} UTC.");
        }

        private void Done(SlashCommand command, bool recheck = false)
        {
            _recheck |= recheck;
            _outcomes.Add($"/{command.Name} done");
        }

        private void Say(SlashCommand command, string text)
        {
            _said.Add(text);
            Done(command);
        }

        private void Refuse(SlashCommand command, string why)
        {
            _refused = true;
            _said.Add(why);
            _outcomes.Add($"/{command.Name} refused");
        }

        /// <summary>
        /// The approved label follows the approvals, comparing the state before this comment with the state after it, so
        /// <c>/unapprove</c> then <c>/approve</c> in one comment changes no label. The label moves the card (board rules).
        /// </summary>
        private void LabelApproval(RequestType type)
        {
            var answers = RequestValidator.Check(type, _request.Body, Today).Answers;
            var before = Approvals.Evaluate(type, Workflow, answers, context.Approvals).IsApproved;
            var after = Approvals.Evaluate(type, Workflow, answers, _approvals).IsApproved;
            var label = Workflow.Labels.Approved;
            var labelled = _request.Labels.Contains(label.Name, StringComparer.OrdinalIgnoreCase);
            if (after && !before && !labelled)
            {
                _effects.Add(new AddLabels(_request.Ref, [new Label(label.Name, label.Color, label.Description)]));
                _request = _request with { Labels = [.. _request.Labels, label.Name] };
            }
            else if (before && !after && labelled)
            {
                _effects.Add(new RemoveLabel(_request.Ref, label.Name));
                _request = _request with { Labels = _request.Labels.Where(l => !string.Equals(l, label.Name, StringComparison.OrdinalIgnoreCase)).ToList() };
            }
        }

        public Decision Finish()
        {
            if (_outcomes.Count == 0) return Decision.Nothing("no command for MarketingBot");
            var request = _request.Ref;
            if (context.Type is { } type && _effects.Any(e => e is RecordApproval)) LabelApproval(type);
            if (_recheck && context.Type is not null)
            {
                var effects = RequestRules.Decide(_request, Workflow, Today, _boardStatus, _approvals).Effects;
                _effects.AddRange(_rewritePlanner ? effects.Select(e => e is MirrorToPlanner m ? m with { Rewrite = true } : e) : effects);
            }
            _effects.Add(new ReactToComment(request, context.CommentId, _refused ? ReactToComment.Refused : ReactToComment.Done));
            if (_said.Count > 0)
            {
                var marker = ReplyMarker(context.CommentId);
                // The sender's login is letters, digits and hyphens: mentioning it cannot carry markup.
                var reply = new StringBuilder($"{marker}\n@{context.Sender}");
                foreach (var line in _said) reply.Append(_said.Count == 1 ? " " : "\n\n").Append(line);
                _effects.Add(new UpsertBotComment(request, marker, reply.Append('\n').ToString()));
            }
            return new Decision(string.Join(", ", _outcomes), _effects);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]
    private static partial Regex Login();
}
