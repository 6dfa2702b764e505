using MarketingBot.GitHub;

namespace MarketingBot.Campaigns;

/// <summary>
/// The GraphQL documents that open a campaign's plan: one read (the brief's sub-issues, its repository, the owners'
/// ids) and one write (every missing stage, as aliased <c>createIssue</c> mutations with the brief as parent), so a
/// plan costs two requests however many stages it has. Checked against GitHub's schema in the contract tests.
/// </summary>
public static class CampaignDocuments
{
    /// <summary>The brief (its repository, and the stages already open under it) and the node id of each login.</summary>
    public static (string Document, IReadOnlyDictionary<string, object> Variables) Read(string brief, IReadOnlyList<string> logins)
    {
        var document = new AliasedDocument().Declare("brief", "ID!", brief);
        for (var i = 0; i < logins.Count; i++) document.Declare($"login{i}", "String!", logins[i]).Field($"user{i}: user(login: $login{i}) {{ id }}");
        return ($$"""
            query CampaignPlan({{document.Declarations}}) {
              node(id: $brief) {
                ... on Issue {
                  id
                  repository { id }
                  subIssues(first: 100) { nodes { id number title state body } }
                }
              }
            {{document.Fields}}}
            """, document.Variables);
    }

    /// <summary>Each stage as a new issue under the brief, assigned to its owners.</summary>
    public static (string Document, IReadOnlyDictionary<string, object> Variables) Open(
        string repository, string brief, IReadOnlyList<(string Title, string Body, IReadOnlyList<string> AssigneeIds)> stages)
    {
        var document = new AliasedDocument().Declare("repository", "ID!", repository).Declare("brief", "ID!", brief);
        for (var i = 0; i < stages.Count; i++)
        {
            document.Declare($"title{i}", "String!", stages[i].Title).Declare($"body{i}", "String!", stages[i].Body)
                .Declare($"assignees{i}", "[ID!]", stages[i].AssigneeIds)
                .Field($"stage{i}: createIssue(input: {{ repositoryId: $repository, parentIssueId: $brief, title: $title{i}, body: $body{i}, assigneeIds: $assignees{i} }}) {{ issue {{ id number url }} }}");
        }
        return document.Operation("mutation", "OpenStages");
    }
}
