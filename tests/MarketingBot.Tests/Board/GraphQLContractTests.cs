using MarketingBot.Board;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Board;

/// <summary>Every GraphQL document the bot sends is valid against GitHub's public schema and rules.</summary>
public class GraphQLContractTests
{
    public static TheoryData<string> Documents => new(BoardDocuments.All.Keys);

    [GitHubSchemaTheory]
    [MemberData(nameof(Documents))]
    public async Task The_document_validates_against_GitHubs_schema(string name)
    {
        Assert.Empty(await GitHubSchema.ValidateAsync(BoardDocuments.All[name]));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_connection_asks_for_at_most_100(string name)
    {
        var document = BoardDocuments.All[name];
        Assert.All(GitHubSchema.Connections(document), c => Assert.InRange(c.First!.Value, 1, 100));
        foreach (var connection in new[] { "fields", "workflows", "projectsV2", "items" })
            if (document.Contains(connection + "(") || document.Contains(connection + " {"))
                Assert.Contains(GitHubSchema.Connections(document), c => c.Field == connection);
    }

    [GitHubSchemaTheory]
    [InlineData("query { organization(login: \"acme\") { projectV2(number: 1) { notAField } } }", "notAField")]
    [InlineData("mutation M($p: ID!) { archiveProjectV2Item(input: { projectId: $p }) { item { id } } }", "itemId")]
    public async Task The_contract_check_catches_a_bad_document(string document, string expected)
    {
        Assert.Contains(await GitHubSchema.ValidateAsync(document), e => e.Contains(expected));
    }
}
