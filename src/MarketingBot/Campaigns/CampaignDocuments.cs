using System.Text;

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
        var declarations = new StringBuilder("$brief: ID!");
        var users = new StringBuilder();
        var variables = new Dictionary<string, object> { ["brief"] = brief };
        for (var i = 0; i < logins.Count; i++)
        {
            declarations.Append($", $login{i}: String!");
            users.Append($"  user{i}: user(login: $login{i}) {{ id }}\n");
            variables[$"login{i}"] = logins[i];
        }
        return ($$"""
            query CampaignPlan({{declarations}}) {
              node(id: $brief) {
                ... on Issue {
                  id
                  repository { id }
                  subIssues(first: 100) { nodes { id number title state body } }
                }
              }
            {{users}}}
            """, variables);
    }

    /// <summary>Each stage as a new issue under the brief, assigned to its owners.</summary>
    public static (string Document, IReadOnlyDictionary<string, object> Variables) Open(
        string repository, string brief, IReadOnlyList<(string Title, string Body, IReadOnlyList<string> AssigneeIds)> stages)
    {
        var declarations = new StringBuilder("$repository: ID!, $brief: ID!");
        var creations = new StringBuilder();
        var variables = new Dictionary<string, object> { ["repository"] = repository, ["brief"] = brief };
        for (var i = 0; i < stages.Count; i++)
        {
            declarations.Append($", $title{i}: String!, $body{i}: String!, $assignees{i}: [ID!]");
            creations.Append($"  stage{i}: createIssue(input: {{ repositoryId: $repository, parentIssueId: $brief, title: $title{i}, body: $body{i}, assigneeIds: $assignees{i} }}) {{ issue {{ id number url }} }}\n");
            (variables[$"title{i}"], variables[$"body{i}"], variables[$"assignees{i}"]) = (stages[i].Title, stages[i].Body, stages[i].AssigneeIds);
        }
        return ($"mutation OpenStages({declarations}) {{\n{creations}}}\n", variables);
    }
}
