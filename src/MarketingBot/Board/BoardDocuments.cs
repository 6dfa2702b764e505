using MarketingBot.GitHub;

namespace MarketingBot.Board;

/// <summary>How one field of a card changes: cleared, or set to a value of the field's type.</summary>
public enum FieldWriteKind { Clear, Option, Date, Text, Number }

/// <summary>One field change of a card; <paramref name="Value"/> is an option id, a <c>yyyy-MM-dd</c> date, text or a number.</summary>
public sealed record FieldWrite(FieldWriteKind Kind, string FieldId, object? Value);

/// <summary>
/// Every GraphQL document the bot sends about the Work Schedule board. Each is checked against
/// GitHub's public schema in the contract tests; every connection asks for <c>first</c> ≤ 100.
/// </summary>
public static class BoardDocuments
{
    private const string BoardFields = """
        fragment Board on ProjectV2 {
          id
          title
          fields(first: 50) {
            nodes {
              ... on ProjectV2FieldCommon { id name dataType }
              ... on ProjectV2SingleSelectField { options { id name } }
            }
          }
          workflows(first: 20) { nodes { name enabled } }
        }
        """;

    public const string ByNumber = """
        query BoardByNumber($owner: String!, $number: Int!) {
          organization(login: $owner) { projectV2(number: $number) { ...Board } }
        }
        """ + BoardFields;

    public const string ByTitle = """
        query BoardByTitle($owner: String!, $title: String!) {
          organization(login: $owner) { projectsV2(first: 20, query: $title) { nodes { ...Board } } }
        }
        """ + BoardFields;

    /// <summary>Adding an issue that is already on the board returns its existing item.</summary>
    public const string AddItem = """
        mutation AddItem($project: ID!, $content: ID!) {
          addProjectV2ItemById(input: { projectId: $project, contentId: $content }) { item { id isArchived } }
        }
        """;

    public const string Unarchive = """
        mutation Unarchive($project: ID!, $item: ID!) {
          unarchiveProjectV2Item(input: { projectId: $project, itemId: $item }) { item { id } }
        }
        """;

    /// <summary>
    /// Several field changes, of one card or several, in one request: each is an aliased mutation of its own (GitHub
    /// runs them in order), so a new request's Status, Request type and Publish date cost one round trip, not three.
    /// </summary>
    public static (string Document, IReadOnlyDictionary<string, object> Variables) SetFields(string project, IReadOnlyList<(string Item, FieldWrite Write)> writes)
    {
        var document = new AliasedDocument().Declare("project", "ID!", project);
        for (var i = 0; i < writes.Count; i++)
        {
            var (item, write) = writes[i];
            document.Declare($"item{i}", "ID!", item).Declare($"field{i}", "ID!", write.FieldId);
            var input = $"projectId: $project, itemId: $item{i}, fieldId: $field{i}";
            if (write.Kind == FieldWriteKind.Clear)
            {
                document.Field($"write{i}: clearProjectV2ItemFieldValue(input: {{ {input} }}) {{ projectV2Item {{ id }} }}");
                continue;
            }
            var (type, member) = write.Kind switch
            {
                FieldWriteKind.Option => ("String!", "singleSelectOptionId"),
                FieldWriteKind.Date => ("Date!", "date"),
                FieldWriteKind.Number => ("Float!", "number"),
                _ => ("String!", "text"),
            };
            document.Declare($"value{i}", type, write.Value!)
                .Field($"write{i}: updateProjectV2ItemFieldValue(input: {{ {input}, value: {{ {member}: $value{i} }} }}) {{ projectV2Item {{ id }} }}");
        }
        return document.Operation("mutation", "SetFields");
    }

    /// <summary>Several issues added as cards in one request (adding one the project has returns its card).</summary>
    public static (string Document, IReadOnlyDictionary<string, object> Variables) AddItems(string project, IReadOnlyList<string> contents)
    {
        var document = new AliasedDocument().Declare("project", "ID!", project);
        for (var i = 0; i < contents.Count; i++)
        {
            document.Declare($"content{i}", "ID!", contents[i])
                .Field($"card{i}: addProjectV2ItemById(input: {{ projectId: $project, contentId: $content{i} }}) {{ item {{ id isArchived }} }}");
        }
        return document.Operation("mutation", "AddItems");
    }

    public const string Archive = """
        mutation Archive($project: ID!, $item: ID!) {
          archiveProjectV2Item(input: { projectId: $project, itemId: $item }) { item { id } }
        }
        """;

    /// <summary>A card as a person left it: its single-select values and the issue it shows.</summary>
    public const string Card = """
        query Card($item: ID!) {
          node(id: $item) {
            ... on ProjectV2Item {
              id
              isArchived
              project { id }
              fieldValues(first: 50) {
                nodes {
                  ... on ProjectV2ItemFieldSingleSelectValue { name field { ... on ProjectV2FieldCommon { name } } }
                }
              }
              content {
                ... on Issue {
                  id
                  number
                  title
                  body
                  url
                  state
                  stateReason
                  createdAt
                  updatedAt
                  author { login }
                  labels(first: 100) { nodes { name } }
                  assignees(first: 20) { nodes { login } }
                  repository { name owner { login } }
                }
              }
            }
          }
        }
        """;

    public const string DeleteItem = """
        mutation DeleteItem($project: ID!, $item: ID!) {
          deleteProjectV2Item(input: { projectId: $project, itemId: $item }) { deletedItemId }
        }
        """;

    /// <summary>A page of the board's cards with their single-select values, for polling where GitHub sends no card events.</summary>
    public const string Items = """
        query Items($project: ID!, $cursor: String) {
          node(id: $project) {
            ... on ProjectV2 {
              items(first: 100, after: $cursor) {
                pageInfo { hasNextPage endCursor }
                nodes {
                  id
                  isArchived
                  updatedAt
                  content { ... on Issue { id repository { name owner { login } } } }
                  fieldValues(first: 20) {
                    nodes {
                      ... on ProjectV2ItemFieldSingleSelectValue { name creator { login } field { ... on ProjectV2FieldCommon { name } } }
                    }
                  }
                }
              }
            }
          }
        }
        """;

    /// <summary>Draft items and their estimates, 100 a page, for the two-hour rule.</summary>
    public const string DraftItems = """
        query DraftItems($project: ID!, $cursor: String, $estimate: String!) {
          node(id: $project) {
            ... on ProjectV2 {
              items(first: 100, after: $cursor) {
                pageInfo { hasNextPage endCursor }
                nodes {
                  id
                  type
                  isArchived
                  fieldValueByName(name: $estimate) {
                    ... on ProjectV2ItemFieldNumberValue { number }
                    ... on ProjectV2ItemFieldTextValue { text }
                  }
                  content { ... on DraftIssue { title creator { login } assignees(first: 10) { nodes { login } } } }
                }
              }
            }
          }
        }
        """;

    /// <summary>A draft item becomes an issue of the repository (<c>/convert</c> on the two-hour digest).</summary>
    public const string ConvertDraft = """
        mutation ConvertDraft($item: ID!, $repository: ID!) {
          convertProjectV2DraftIssueItemToIssue(input: { itemId: $item, repositoryId: $repository }) { item { id } }
        }
        """;

    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
    {
        [nameof(ByNumber)] = ByNumber,
        [nameof(ByTitle)] = ByTitle,
        [nameof(AddItem)] = AddItem,
        [nameof(SetFields)] = SetFields("PVT_project",
            [("PVTI_1", new(FieldWriteKind.Clear, "F1", null)), ("PVTI_1", new(FieldWriteKind.Option, "F2", "O1")), ("PVTI_2", new(FieldWriteKind.Date, "F3", "2026-12-01")),
             ("PVTI_2", new(FieldWriteKind.Text, "F4", "text")), ("PVTI_3", new(FieldWriteKind.Number, "F5", 1.5))]).Document,
        [nameof(AddItems)] = AddItems("PVT_project", ["I_1", "I_2"]).Document,
        [nameof(Unarchive)] = Unarchive,
        [nameof(Archive)] = Archive,
        [nameof(DeleteItem)] = DeleteItem,
        [nameof(Card)] = Card,
        [nameof(Items)] = Items,
        [nameof(DraftItems)] = DraftItems,
        [nameof(ConvertDraft)] = ConvertDraft,
    };
}
