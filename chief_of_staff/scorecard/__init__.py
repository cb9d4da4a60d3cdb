"""The business scorecard: seven questions, a LangGraph flow with one interrupt per question, instant scores and
recommendations in this framework's own terms (departments, tiers, adapters, projected cost).

    questions.py   the seven questions, their choices, and validating answers
    profile.py     what each answer means in numbers (the assumptions behind scores and costs)
    scoring.py     0-100 scores per area and overall (pure)
    recommend.py   departments, tier policy and adapter advice (pure)
    projection.py  monthly cost all-cloud against tiered (pure)
    results.py     the result model and the one function that computes it
    context.py     what the scoring node reads: departments, prices, the data directory
    state.py       the flow's state
    flow.py        the LangGraph flow: ask_<question> nodes, then score
    session.py     driving a flow thread: current question, answer, resume, score a whole answers file
    chart.py       the area scores as an SVG bar chart
    report.py      report.html (chart embedded as a data: URI), chart.svg and report.json
"""
