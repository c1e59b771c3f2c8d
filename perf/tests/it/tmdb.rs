//! The TMDb server through a plain HTTP client: the key check, search, details, episodes,
//! keywords (in TMDb's two shapes), configuration, an added title, and the fault knobs.

use perf::tmdb::{Keyword, ANIME_KEYWORD};
use perf::{Catalogue, Fault, Show, TmdbServer};
use serde_json::{json, Value};

use crate::answer;

async fn get(server: &TmdbServer, path_and_query: &str) -> (u16, Value) {
    let sep = if path_and_query.contains('?') { '&' } else { '?' };
    let url = format!("{}{path_and_query}{sep}api_key={}", server.api_url(), server.api_key());
    answer(reqwest::get(url).await.unwrap()).await
}

#[tokio::test]
async fn the_api_key_is_checked() {
    let server = TmdbServer::start(Catalogue::builtin()).await.unwrap();
    for url in [format!("{}/configuration", server.api_url()), format!("{}/movie/603?api_key=wrong", server.api_url())]
    {
        let (status, body) = answer(reqwest::get(url).await.unwrap()).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"status_code": 7, "status_message": "Invalid API key: You must be granted a valid key.", "success": false})
        );
    }
    assert!(server.requests().is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn search_answers_in_tmdb_shape() {
    let server = TmdbServer::start(Catalogue::builtin()).await.unwrap();
    let (status, body) = get(&server, "/search/movie?query=the%20matrix&year=1999").await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["page"].as_u64(), body["total_results"].as_u64(), body["total_pages"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    let hit = &body["results"][0];
    assert_eq!(
        (hit["id"].as_u64(), hit["title"].as_str(), hit["release_date"].as_str()),
        (Some(603), Some("The Matrix"), Some("1999-03-30"))
    );
    assert_eq!((hit["original_title"].as_str(), hit["original_language"].as_str()), (Some("The Matrix"), Some("en")));
    assert_eq!(hit["genre_ids"], json!([28, 878]));

    let (_, body) = get(&server, "/search/movie?query=matrix&year=2005").await;
    assert_eq!((body["results"].clone(), body["total_results"].as_u64()), (json!([]), Some(0)));

    // Without the /3 prefix too, and by original name.
    let url = format!(
        "{}/search/tv?query=%E3%83%AF%E3%83%B3%E3%83%94%E3%83%BC%E3%82%B9&api_key={}",
        server.api_url().trim_end_matches("/3"),
        server.api_key()
    );
    let (status, body) = answer(reqwest::get(url).await.unwrap()).await;
    assert_eq!(status, 200);
    let hit = &body["results"][0];
    assert_eq!(
        (hit["id"].as_u64(), hit["name"].as_str(), hit["first_air_date"].as_str()),
        (Some(37854), Some("One Piece"), Some("1999-10-20"))
    );
    assert_eq!(hit["original_language"], "ja");
    server.shutdown().await;
}

#[tokio::test]
async fn details_episodes_keywords_and_configuration() {
    let server = TmdbServer::start(Catalogue::builtin()).await.unwrap();
    let (status, movie) = get(&server, "/movie/27205").await;
    assert_eq!((status, movie["title"].as_str(), movie["runtime"].as_u64()), (200, Some("Inception"), Some(148)));
    assert_eq!(movie["genres"][0], json!({"id": 28, "name": "Action"}));

    let (_, show) = get(&server, "/tv/1396").await;
    assert_eq!((show["name"].as_str(), show["number_of_seasons"].as_u64()), (Some("Breaking Bad"), Some(5)));

    let (status, episode) = get(&server, "/tv/1396/season/1/episode/2").await;
    assert_eq!(
        (status, episode["season_number"].as_u64(), episode["episode_number"].as_u64()),
        (200, Some(1), Some(2))
    );
    assert_eq!(get(&server, "/tv/1396/season/1/episode/8").await.0, 404, "season 1 has 7 episodes");
    let (status, body) = get(&server, "/movie/999999").await;
    assert_eq!((status, body["status_code"].as_u64()), (404, Some(34)));

    // Movie keywords come as `keywords`, TV keywords as `results`.
    let (_, kw) = get(&server, "/movie/129/keywords").await;
    assert!(kw["keywords"].as_array().unwrap().contains(&json!({"id": 210024, "name": "anime"})), "{kw}");
    let (_, kw) = get(&server, "/tv/37854/keywords").await;
    assert_eq!(kw["id"], 37854);
    assert!(kw["results"].as_array().unwrap().contains(&json!({"id": 210024, "name": "anime"})), "{kw}");
    let (_, kw) = get(&server, "/tv/1399/keywords").await;
    assert!(!kw["results"].as_array().unwrap().iter().any(|k| k["id"] == 210024));

    let (status, config) = get(&server, "/configuration").await;
    assert_eq!(status, 200);
    assert!(config["images"]["base_url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(server.requests().len(), 9, "every keyed request is logged");
    server.shutdown().await;
}

#[tokio::test]
async fn tests_can_extend_the_catalogue() {
    let server = TmdbServer::start(Catalogue::default()).await.unwrap();
    assert_eq!(get(&server, "/search/tv?query=frieren").await.1["total_results"], 0);
    server.add_show(Show {
        id: 209867,
        name: "Frieren: Beyond Journey's End".into(),
        original_name: "葬送のフリーレン".into(),
        original_language: "ja".into(),
        first_air_date: "2023-09-29".into(),
        genre_ids: vec![16, 10759],
        origin_country: vec!["JP".into()],
        overview: String::new(),
        seasons: vec![28],
        popularity: 100.0,
        keywords: vec![ANIME_KEYWORD, Keyword { id: 1, name: "magic" }],
    });
    let (_, body) = get(&server, "/search/tv?query=frieren&first_air_date_year=2023").await;
    assert_eq!(body["results"][0]["id"], 209867);
    assert_eq!(get(&server, "/tv/209867/season/1/episode/28").await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn tmdb_faults_have_tmdb_shapes() {
    let server = TmdbServer::start(Catalogue::builtin()).await.unwrap();
    server.faults().fail_next("search/movie", 1, Fault::TooManyRequests { retry_after: 3 });
    server.faults().fail_next("search/movie", 1, Fault::Status(503));
    server.faults().fail_next("search/movie", 1, Fault::Garbage);
    server.faults().fail_next("search/movie", 1, Fault::Drop);
    let url = format!("{}/search/movie?query=inception&api_key={}", server.api_url(), server.api_key());

    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.headers()["retry-after"].to_str().unwrap()), (429, "3"));
    assert_eq!(resp.json::<Value>().await.unwrap()["status_code"], 25);
    let (status, body) = answer(reqwest::get(&url).await.unwrap()).await;
    assert_eq!((status, body["success"].clone()), (503, json!(false)));
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert!(reqwest::get(&url).await.is_err(), "the connection should have been dropped");
    // Other endpoints were never affected, and the search recovers.
    assert_eq!(get(&server, "/movie/603").await.0, 200);
    assert_eq!(get(&server, "/search/movie?query=inception").await.1["results"][0]["id"], 27205);
    server.shutdown().await;
}
