using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MarketingBot.Requests;

/// <summary>Reads and checks a workflow file; every problem names where it is and what to write instead.</summary>
public static class WorkflowFile
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithEnumNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    private static readonly Lazy<Workflow> BuiltIn = new(() =>
    {
        using var stream = typeof(WorkflowFile).Assembly.GetManifestResourceStream("MarketingBot.Requests.default-workflow.yml")
            ?? throw new InvalidOperationException("The built-in workflow is missing from the assembly.");
        var workflow = Parse(new StreamReader(stream).ReadToEnd(), "built-in workflow", out var problems);
        return workflow ?? throw new InvalidOperationException("The built-in workflow is invalid: " + string.Join("; ", problems));
    });

    public static Workflow Default => BuiltIn.Value;

    /// <summary>A workflow file is a few kilobytes; anyone who opens a pull request can send one, so it is bounded.</summary>
    public const int MaxLength = 256 * 1024;

    /// <summary>Values a file may hold once its aliases are expanded (the built-in workflow holds under 2,000).</summary>
    public const int MaxValues = 50_000;

    /// <summary>Problems reported one by one; the rest are counted.</summary>
    public const int MaxProblems = 30;

    /// <summary>The workflow, or null with every problem found when the text is not a usable workflow.</summary>
    public static Workflow? Parse(string yaml, string source, out IReadOnlyList<string> problems)
    {
        if (TooBig(yaml) is { } refusal)
        {
            problems = [$"{source}: {refusal}"];
            return null;
        }
        Workflow? workflow;
        try
        {
            workflow = Reader.Deserialize<Workflow>(yaml);
        }
        catch (YamlException ex)
        {
            var detail = (ex.InnerException as YamlException)?.Message ?? ex.InnerException?.Message ?? ex.Message;
            problems = [$"{source}, line {ex.Start.Line}, column {ex.Start.Column}: {detail}"];
            return null;
        }
        if (workflow is null)
        {
            problems = [$"{source}: the file is empty"];
            return null;
        }
        switch (workflow.Base)
        {
            case null:
                break;
            case BuiltInBase:
                workflow = OnBuiltIn(workflow, TopLevelKeys(yaml));
                break;
            default:
                problems = [$"{source}: base '{workflow.Base}' is not one the bot knows; write base: {BuiltInBase}, or leave it out to give the whole workflow"];
                return null;
        }
        var found = Check(workflow).Take(MaxProblems + 1_000).Select(p => $"{source}: {p}").ToList();
        problems = found.Count <= MaxProblems ? found
            : [.. found.Take(MaxProblems), $"{source}: and {found.Count - MaxProblems}{(found.Count == MaxProblems + 1_000 ? " or more" : "")} more problems like these"];
        return found.Count == 0 ? workflow : null;
    }

    /// <summary>The <c>base</c> that fills what a file leaves out from the built-in workflow.</summary>
    public const string BuiltInBase = "built-in";

    /// <summary>
    /// The file's workflow on top of the built-in one: every top-level section the file leaves out is the built-in's,
    /// and roles and commands are merged by name (the file's win), so the built-in request types still find their roles.
    /// </summary>
    private static Workflow OnBuiltIn(Workflow file, IReadOnlySet<string> given)
    {
        var builtIn = Default;
        foreach (var property in typeof(Workflow).GetProperties().Where(p => p.CanWrite))
            if (!given.Contains(CamelCaseNamingConvention.Instance.Apply(property.Name))) property.SetValue(file, property.GetValue(builtIn));
        if (given.Contains("roles")) file.Roles = Merge(builtIn.Roles, file.Roles);
        if (given.Contains("commands")) file.Commands = Merge(builtIn.Commands, file.Commands);
        return file;
    }

    private static Dictionary<string, T> Merge<T>(Dictionary<string, T> builtIn, Dictionary<string, T> file)
    {
        var merged = new Dictionary<string, T>(builtIn);
        foreach (var (name, value) in file) merged[name] = value;
        return merged;
    }

    /// <summary>The keys of the file's top-level mapping, read from the parser's events (the file was already read whole once).</summary>
    private static HashSet<string> TopLevelKeys(string yaml)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        var expectKey = false;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    depth++;
                    expectKey = depth == 1;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    expectKey = depth == 1;
                    break;
                case YamlDotNet.Core.Events.Scalar scalar when depth == 1:
                    if (expectKey) keys.Add(scalar.Value);
                    expectKey = !expectKey;
                    break;
                case YamlDotNet.Core.Events.AnchorAlias when depth == 1:
                    expectKey = !expectKey;
                    break;
            }
        }
        return keys;
    }

    /// <summary>
    /// Why the text is refused before it is read into a workflow: too long, or (YAML aliases repeat what they name,
    /// so a few lines can stand for millions of values) too many values once expanded. Counted from the parser's
    /// events without expanding anything; a text the parser cannot read is left to the reader, which says where.
    /// </summary>
    private static string? TooBig(string yaml)
    {
        if (yaml.Length > MaxLength) return $"the file is {yaml.Length / 1024} KB; a workflow file may be at most {MaxLength / 1024} KB";
        var anchored = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long Values)>();
        long values = 0;
        void Add(long count)
        {
            values += count;
            if (open.TryPop(out var parent)) open.Push((parent.Anchor, parent.Values + count));
        }
        try
        {
            var parser = new Parser(new StringReader(yaml));
            while (parser.MoveNext() && values <= MaxValues)
            {
                switch (parser.Current)
                {
                    case YamlDotNet.Core.Events.Scalar scalar:
                        if (!scalar.Anchor.IsEmpty) anchored[scalar.Anchor.Value] = 1;
                        Add(1);
                        break;
                    case YamlDotNet.Core.Events.NodeEvent { } start and (YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart):
                        values++;
                        open.Push((start.Anchor.IsEmpty ? null : start.Anchor.Value, 1));
                        break;
                    case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                        var (anchor, count) = open.Pop();
                        if (anchor is not null) anchored[anchor] = count;
                        if (open.TryPop(out var parent)) open.Push((parent.Anchor, parent.Values + count));
                        break;
                    case YamlDotNet.Core.Events.AnchorAlias alias:
                        Add(anchored.GetValueOrDefault(alias.Value.Value, 1));
                        break;
                }
            }
        }
        catch (YamlException)
        {
            return null;
        }
        return values > MaxValues
            ? $"the file holds more than {MaxValues:N0} values once its YAML aliases are expanded (aliases repeat what they name); write the values out, or use fewer aliases"
            : null;
    }

    private static IEnumerable<string> CheckStage(Workflow workflow, RequestType type, CampaignStage stage)
    {
        var where = $"stage '{(stage.Id.Length > 0 ? stage.Id : stage.Title)}'";
        if (stage.Id.Length == 0) yield return $"{where}: give it an id";
        if (stage.Title.Length == 0) yield return $"{where}: give it a title";
        if (stage.Owner is { } owner && !workflow.Roles.ContainsKey(owner)) yield return $"{where}: owner '{owner}' is not one of the roles ({string.Join(", ", workflow.Roles.Keys)})";
        if (stage.PerDeliverable && type.Sections.All(s => s.Id != stage.DeliverablesSection))
            yield return $"{where}: it is opened per deliverable, but the type has no section '{stage.DeliverablesSection}'";
        if (stage.When is { } when && type.Sections.All(s => s.Id != when.Section)) yield return $"{where}: when names section '{when.Section}', which this type does not have";
    }

    private static IEnumerable<string> Check(Workflow workflow)
    {
        if (TimeZoneInfo.TryFindSystemTimeZoneById(workflow.TimeZone, out _) is false)
            yield return $"timeZone '{workflow.TimeZone}' is not a known time zone (use an IANA name such as Europe/Amsterdam)";
        if (workflow.RequestTypes.Count == 0) yield return "requestTypes is empty: define at least one request type";
        foreach (var column in workflow.Planner.Columns.Except(PlannerLayout.KnownColumns))
            yield return $"planner column '{column}' is not one the bot fills; use {string.Join(", ", PlannerLayout.KnownColumns)}";
        if (!workflow.Planner.Columns.Contains("URL")) yield return "planner columns must include URL: rows are found by it";
        foreach (var duplicate in workflow.RequestTypes.GroupBy(t => t.Id).Where(g => g.Count() > 1))
            yield return $"request type id '{duplicate.Key}' is used more than once";
        var roles = string.Join(", ", workflow.Roles.Keys);
        if (workflow.TwoHourRule is { } rule)
        {
            if (rule.ThresholdHours <= 0) yield return "twoHourRule: thresholdHours must be above 0";
            if (rule.CoolDownDays < 1) yield return "twoHourRule: coolDownDays must be at least 1";
            foreach (var day in rule.QuietDays.Where(d => !Reminders.QuietDays.IsValid(d)))
                yield return $"twoHourRule: quiet day '{day}' is neither a weekday name nor a date like 2026-12-25";
        }
        foreach (var (command, allowed) in workflow.Commands)
        {
            if (!Commands.CommandCatalog.IsKnown(command))
                yield return $"commands: '{command}' is not a command; use {string.Join(", ", Commands.CommandCatalog.All.Select(c => c.Name))}";
            foreach (var role in allowed.Where(r => !workflow.Roles.ContainsKey(r)))
                yield return $"commands: {command} names role '{role}', which is not one of the roles ({roles})";
        }
        foreach (var type in workflow.RequestTypes)
        {
            var where = $"request type '{(type.Id.Length > 0 ? type.Id : type.Name)}'";
            if (type.Id.Length == 0) yield return $"{where}: give it an id";
            if (type.Name.Length == 0) yield return $"{where}: give it a name";
            if (type.Label.Name.Length == 0) yield return $"{where}: give it a label name";
            if (type.AssignRole is { } role && !workflow.Roles.ContainsKey(role))
                yield return $"{where}: assignRole '{role}' is not one of the roles ({string.Join(", ", workflow.Roles.Keys)})";
            if (type.Sections.Count == 0) yield return $"{where}: it has no sections";
            foreach (var step in type.Approvals)
            {
                if (!workflow.Roles.ContainsKey(step.Role)) yield return $"{where}: approval role '{step.Role}' is not one of the roles ({roles})";
                if (step.BudgetAbove is not null && type.Sections.All(s => s.Id != step.BudgetSection))
                    yield return $"{where}: approval of '{step.Role}' depends on section '{step.BudgetSection}', which this type does not have";
            }
            foreach (var duplicate in type.Sections.GroupBy(s => s.Id).Where(g => g.Count() > 1))
                yield return $"{where}: section id '{duplicate.Key}' is used more than once";
            foreach (var problem in type.Stages.SelectMany(stage => CheckStage(workflow, type, stage))) yield return $"{where}, {problem}";
            foreach (var duplicate in type.Stages.GroupBy(s => s.Id).Where(g => g.Count() > 1))
                yield return $"{where}: stage id '{duplicate.Key}' is used more than once";
            foreach (var problem in type.Sections.SelectMany(s => CheckSection(type, s))) yield return $"{where}, {problem}";
        }
    }

    private static IEnumerable<string> CheckSection(RequestType type, Section section)
    {
        var where = $"section '{(section.Id.Length > 0 ? section.Id : section.Label)}'";
        if (section.Id.Length == 0) yield return $"{where}: give it an id";
        if (section.Label.Length == 0) yield return $"{where}: give it a label";
        var isChoice = section.Kind is SectionKind.Choice or SectionKind.Choices;
        if (isChoice && section.Options.Count == 0) yield return $"{where}: a {section.Kind.ToString().ToLowerInvariant()} section needs options";
        if (!isChoice && section.Options.Count > 0) yield return $"{where}: options only apply to choice and choices sections";
        if (section.RequiredWhen is { } when)
        {
            var other = type.Sections.FirstOrDefault(s => s.Id == when.Section);
            if (other is null) yield return $"{where}: requiredWhen names section '{when.Section}', which this type does not have";
            else foreach (var value in when.OneOf.Where(v => other.Options.Count > 0 && !other.Options.Contains(v)))
                yield return $"{where}: requiredWhen value '{value}' is not an option of '{other.Id}'";
        }
        if (section.AllowedBy is { } matrix)
        {
            var other = type.Sections.FirstOrDefault(s => s.Id == matrix.Section);
            if (other is null) yield return $"{where}: allowedBy names section '{matrix.Section}', which this type does not have";
            else
            {
                foreach (var key in matrix.Matrix.Keys.Where(k => !other.Options.Contains(k)))
                    yield return $"{where}: allowedBy row '{key}' is not an option of '{other.Id}'";
                foreach (var value in matrix.Matrix.Values.SelectMany(v => v).Distinct().Where(v => !section.Options.Contains(v)))
                    yield return $"{where}: allowedBy lists '{value}', which is not one of its options";
            }
        }
        if (section.Kind != SectionKind.Date && (section.NotInPast || section.WarnWithinDays is not null || section.MinDaysAhead is not null))
            yield return $"{where}: date rules apply to date sections only";
        if (section.MaxItems is < 1) yield return $"{where}: maxItems must be at least 1";
    }
}
