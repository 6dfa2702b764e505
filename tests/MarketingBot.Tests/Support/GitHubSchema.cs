using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using GraphQLParser.Visitors;

namespace MarketingBot.Tests.Support;

/// <summary>
/// GitHub's public GraphQL schema (<c>@octokit/graphql-schema</c>, see <see cref="GitHubFixtures"/>), loaded into
/// graphql-dotnet once, to validate every document the bot sends.
/// </summary>
public static class GitHubSchema
{
    public static readonly string? Path = GitHubFixtures.File("@octokit/graphql-schema/schema.graphql");

    public const string SkipReason = GitHubFixtures.SkipReason;

    private static readonly Lazy<Task<ISchema>> Schema = new(LoadAsync);

    /// <summary>The validation errors of a document; empty when GitHub would accept it.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string document)
    {
        var schema = await Schema.Value;
        var parsed = GraphQLParser.Parser.Parse(document);
        var operation = parsed.Definitions.OfType<GraphQLOperationDefinition>().Single();
        var result = await new DocumentValidator().ValidateAsync(new ValidationOptions
        {
            Schema = schema,
            Document = parsed,
            Operation = operation,
            Rules = DocumentValidator.CoreRules,
            Variables = Placeholders(operation),
        });
        return result.Errors.Select(e => e.Message).ToList();
    }

    /// <summary>The connection arguments of a document: GitHub requires first or last, at most 100, on every connection.</summary>
    public static IEnumerable<(string Field, int? First)> Connections(string document) =>
        System.Text.RegularExpressions.Regex.Matches(document, @"(\w+)\s*\(([^)]*\b(?:first|last)\s*:\s*(\d+)[^)]*)\)")
            .Select(m => (m.Groups[1].Value, (int?)int.Parse(m.Groups[3].Value)));

    /// <summary>Values for the operation's variables, so validation checks the document and not missing inputs.</summary>
    private static Inputs Placeholders(GraphQLOperationDefinition operation)
    {
        var values = new Dictionary<string, object?>();
        foreach (var variable in operation.Variables?.Items ?? []) values[variable.Variable.Name.StringValue] = Placeholder(variable.Type);
        return new Inputs(values);
    }

    private static object Placeholder(GraphQLType type) => type switch
    {
        GraphQLNonNullType nonNull => Placeholder(nonNull.Type),
        GraphQLListType list => new List<object?> { Placeholder(list.Type) },
        GraphQLNamedType { Name.StringValue: "Int" } => 1,
        GraphQLNamedType { Name.StringValue: "Float" } => 1.5,
        GraphQLNamedType { Name.StringValue: "Boolean" } => true,
        _ => "x",
    };

    private static async Task<ISchema> LoadAsync()
    {
        var ast = GraphQLParser.Parser.Parse(await File.ReadAllTextAsync(Path!));
        // GitHub's SDL lists a few fields twice on one type, which graphql-dotnet refuses.
        foreach (var definition in ast.Definitions)
        {
            var fields = definition switch
            {
                GraphQLObjectTypeDefinition o => o.Fields?.Items,
                GraphQLInterfaceTypeDefinition i => i.Fields?.Items,
                _ => null,
            };
            var seen = new HashSet<string>();
            fields?.RemoveAll(f => !seen.Add(f.Name.StringValue));
        }
        var sdl = new StringWriter();
        await new SDLPrinter().PrintAsync(ast, sdl);
        // Validation never executes, so every object may claim any union member and custom scalars read as strings.
        var schema = GraphQL.Types.Schema.For(sdl.ToString(), builder => builder.Types.ForAll(t => t.IsTypeOfFunc = _ => true));
        string[] builtIn = ["String", "Int", "Float", "Boolean", "ID"];
        foreach (var scalar in ast.Definitions.OfType<GraphQLScalarTypeDefinition>().Select(d => d.Name.StringValue).Except(builtIn))
            schema.RegisterType(new StringGraphType { Name = scalar });
        schema.Initialize();
        return schema;
    }
}

/// <summary>A theory that needs GitHub's schema; skipped with the reason when it is absent.</summary>
public sealed class GitHubSchemaTheoryAttribute : TheoryAttribute
{
    public GitHubSchemaTheoryAttribute()
    {
        if (GitHubSchema.Path is null) Skip = GitHubSchema.SkipReason;
    }
}

/// <summary>A fact that needs GitHub's schema; skipped with the reason when it is absent.</summary>
public sealed class GitHubSchemaFactAttribute : FactAttribute
{
    public GitHubSchemaFactAttribute()
    {
        if (GitHubSchema.Path is null) Skip = GitHubSchema.SkipReason;
    }
}
