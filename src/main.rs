//! The MiniToolAI web app, mounted into the page built by Trunk.

fn main() {}
